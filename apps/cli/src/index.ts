// The CLI's library surface (no side effects): helpers other tools use to start workers the way
// the CLI does. The command line itself is `main.ts`.
export {
  CLI_BIN,
  spawnWorker,
  workerNodeOptions,
  WORKER_MAX_OLD_SPACE_MB,
  type SpawnedWorker,
} from './spawn-workers.js';

import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@ghl-sync/config';

/** The default of `WORKER_MAX_OLD_SPACE_MB`: a worker's V8 old-space cap, in MB (BENCHMARKS.md). */
export const WORKER_MAX_OLD_SPACE_MB: number = loadConfig({}).WORKER_MAX_OLD_SPACE_MB;

/**
 * `NODE_OPTIONS` for a worker process: the caller's, plus the heap cap unless one is set already or
 * `capMb` is 0. A worker started with its cap in place runs as one process (`ghl-sync worker`
 * restarts itself under the cap otherwise).
 * @param capMb - old-space cap in MB. @defaultValue {@link WORKER_MAX_OLD_SPACE_MB}
 */
export function workerNodeOptions(current: string | undefined, capMb = WORKER_MAX_OLD_SPACE_MB): string {
  return current?.includes('--max-old-space-size') || capMb === 0
    ? (current ?? '')
    : `${current ?? ''} --max-old-space-size=${capMb}`.trim();
}

/** The CLI entry point, for spawning `ghl-sync worker` children. */
export const CLI_BIN = fileURLToPath(new URL('../bin/ghl-sync.js', import.meta.url));

/** A spawned worker process. */
export interface SpawnedWorker {
  name: string;
  child: ChildProcess;
  /**
   * Settles when the worker has registered on its queues (its `worker started` log line); rejects
   * when it exits first. Wait for it before starting runs, so nothing says "no worker is connected"
   * about a worker that is still starting.
   */
  ready: Promise<void>;
  /** Sends SIGTERM and waits for the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `ghl-sync worker` as a child process with the given environment. Its JSON log lines are
 * handed to `onLog` parsed (non-JSON lines as `{ msg: line }`).
 */
export function spawnWorker(
  name: string,
  env: Record<string, string | undefined>,
  onLog: (name: string, line: Record<string, unknown>) => void,
): SpawnedWorker {
  const child = spawn(process.execPath, [CLI_BIN, 'worker'], {
    // The demo's workers are its own: they stop with it even when it is killed.
    env: {
      ...env,
      LOG_FORMAT: 'json',
      EXIT_WITH_PARENT: 'true',
      NODE_OPTIONS: workerNodeOptions(env['NODE_OPTIONS'], loadConfig(env).WORKER_MAX_OLD_SPACE_MB),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let markReady: () => void = () => undefined;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    void exited.then((code) => reject(new Error(`${name} exited (code ${String(code)}) before it started`)));
  });
  // Nobody may be waiting for `ready` (a worker stopped early): its rejection is not unhandled.
  ready.catch(() => undefined);
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream! }).on('line', (line) => {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        parsed = { level: 30, msg: line };
      }
      if (parsed['msg'] === 'worker started') markReady();
      onLog(name, parsed);
    });
  }
  return {
    name,
    child,
    ready,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exited;
    },
  };
}

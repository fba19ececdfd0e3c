import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@ghl-sync/config';
import type { Db, SyncRun } from '@ghl-sync/db';
import type { Logger } from '@ghl-sync/logger';
import type { Queues } from '@ghl-sync/queues';
import { startRun } from '@ghl-sync/sync';
import { startWorker, type RunningWorker } from '@ghl-sync/worker';
import { workerNodeOptions } from '@ghl-sync/cli';

export const CLI_BIN = fileURLToPath(new URL('../../apps/cli/bin/ghl-sync.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Workers and runs of one test deployment, whatever services it runs on. */
export interface WorkerFleet {
  /** Spawned `ghl-sync worker` child processes (they run the BUILT code). */
  children: ChildProcess[];
  /** Spawns N real worker processes. */
  spawnWorkers(n: number, env?: Record<string, string>): ChildProcess[];
  /** Starts N workers in this process (real BullMQ workers, own connections; source code). */
  startWorkers(n: number, env?: Record<string, string>): Promise<RunningWorker[]>;
  /** Starts a run the way `ghl-sync sync` does (deadline: `opts.deadlineAt`, else RUN_DEADLINE_MINUTES). */
  startRun(
    locationId: string,
    opts?: { mode?: 'full' | 'resync'; allowMassDelete?: boolean; deadlineAt?: Date },
  ): Promise<SyncRun>;
  /** SIGTERM every child (SIGKILL after 8 s), then closes in-process workers (5 s cap per step). */
  stop(): Promise<void>;
}

/** Builds a {@link WorkerFleet} whose workers see `env` and log into `logs`. */
export function createWorkerFleet(deps: {
  env: Record<string, string>;
  logs: string[];
  logger: Logger;
  db: Db;
  queues: Queues;
}): WorkerFleet {
  const { env, logs, logger, db, queues } = deps;
  const children: ChildProcess[] = [];
  const running: RunningWorker[] = [];
  return {
    children,
    spawnWorkers(n, extra = {}) {
      const spawned: ChildProcess[] = [];
      for (let i = 0; i < n; i++) {
        const child = spawn(process.execPath, [CLI_BIN, 'worker'], {
          // Children exit with the test process even when it is killed before stop().
          // The heap cap in NODE_OPTIONS: one process per worker, so a signal reaches the worker itself.
          env: {
            ...process.env,
            EXIT_WITH_PARENT: 'true',
            NODE_OPTIONS: workerNodeOptions(process.env['NODE_OPTIONS']),
            ...env,
            ...extra,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        child.stdout?.on('data', (d: Buffer) => logs.push(d.toString()));
        child.stderr?.on('data', (d: Buffer) => logs.push(d.toString()));
        children.push(child);
        spawned.push(child);
      }
      return spawned;
    },
    async startWorkers(n, extra = {}) {
      const started: RunningWorker[] = [];
      for (let i = 0; i < n; i++) {
        const w = await startWorker(loadConfig({ ...env, ...extra }), logger.child({ worker: running.length + 1 }));
        running.push(w);
        started.push(w);
      }
      return started;
    },
    async startRun(locationId, opts = {}) {
      const runDeadlineMs = opts.deadlineAt
        ? opts.deadlineAt.getTime() - Date.now()
        : loadConfig(env).RUN_DEADLINE_MINUTES * 60_000;
      const { run } = await startRun(
        { db, queues, logger, runDeadlineMs },
        { locationId, trigger: 'test', mode: opts.mode, allowMassDelete: opts.allowMassDelete },
      );
      return run;
    },
    async stop() {
      await Promise.all(
        children.map((c) =>
          c.exitCode === null && c.signalCode === null
            ? Promise.race([
                new Promise((r) => {
                  c.once('exit', r);
                  c.kill('SIGTERM');
                }),
                sleep(8_000).then(() => c.kill('SIGKILL')),
              ])
            : undefined,
        ),
      );
      for (const w of running) await Promise.race([w.close().catch(() => undefined), sleep(5_000 * 4)]);
    },
  };
}

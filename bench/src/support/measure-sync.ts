import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SyncRun } from '@ghl-sync/db';
import type { LocationStats } from '@ghl-sync/ghl-sandbox';
import type { BenchStack } from './bench-stack.js';
import { sleep } from './format.js';
import { PeakRssSampler } from './peak-rss.js';
import type { QueryCounts } from './query-counter-preload.js';
import { readQueryCounts } from './query-counts.js';
import { runTimings, type RunTimings } from './run-timings.js';
import { spawnBenchWorkers, stopBenchWorkers, type BenchWorker } from './spawn-workers.js';

/** Options of {@link measureSync}. */
export interface MeasureSyncOptions {
  stack: BenchStack;
  /** Worker processes to spawn for this measurement. */
  workers: number;
  /** Locations to sync, all at once. */
  locationIds: string[];
  /** Give up (and fail the scenario) after this long. */
  timeoutMs: number;
  /** Count SQL statements in the workers (preload). @defaultValue false */
  countQueries?: boolean;
  /** Extra node flags for the workers, e.g. `--cpu-prof --cpu-prof-dir=…`. */
  nodeArgs?: string[];
  /** Extra worker environment for this measurement only. */
  env?: Record<string, string>;
  /** Called once the workers are up, before the runs open (e.g. to read Redis memory). */
  beforeRuns?: () => Promise<void>;
  /** Called after the runs finish, while the workers are still alive. */
  afterRuns?: () => Promise<void>;
}

/** One worker process's share of a measurement. */
export interface WorkerFigures {
  name: string;
  pid: number;
  peakRssBytes: number | null;
  ranCoordinator: boolean;
  problems: string[];
}

/** What {@link measureSync} measured. */
export interface SyncMeasurement {
  /** From opening the first run to seeing the last one finished (bench clock, 100 ms polling). */
  wallMs: number;
  runs: SyncRun[];
  timings: RunTimings[];
  /** Sandbox counters per location, reset just before the runs. */
  stats: LocationStats[];
  workers: WorkerFigures[];
  queries: QueryCounts | null;
}

/**
 * Spawns fresh worker processes, syncs the given locations in parallel through the real queues,
 * and collects wall time, phase timings, sandbox stats and each worker's peak RSS. The workers
 * are stopped before it returns, whatever happens.
 */
export async function measureSync(options: MeasureSyncOptions): Promise<SyncMeasurement> {
  const { stack } = options;
  const queryLogDir = options.countQueries ? mkdtempSync(join(tmpdir(), 'ghl-sync-bench-q-')) : undefined;
  const workers = spawnBenchWorkers(options.workers, {
    env: { ...stack.env, ...options.env },
    nodeArgs: options.nodeArgs,
    queryLogDir,
  });
  const rss = new PeakRssSampler(() => workers.map((w) => w.pid));
  try {
    await waitForWorkers(stack, options.workers, 30_000);
    for (const id of options.locationIds) {
      stack.sandbox.admin.resetStats(id);
      stack.sandbox.admin.resetRateLimits(id);
    }
    await options.beforeRuns?.();
    const started = Date.now();
    const opened = [];
    for (const id of options.locationIds) opened.push(await stack.startRun(id));
    const runs = await Promise.race([
      Promise.all(opened.map((r) => stack.waitRun(r.id, options.timeoutMs))),
      workerDied(workers),
    ]);
    const wallMs = Date.now() - started;
    rss.sampleNow();
    const stats = options.locationIds.map((id) => stack.sandbox.admin.getStats(id));
    await options.afterRuns?.();
    const timings = await Promise.all(runs.map((r) => runTimings(stack.database.db, r)));
    for (const r of runs)
      if (r.status !== 'completed') console.error(`  run ${r.id} ended ${r.status}: ${r.error ?? ''}`);
    rss.stop();
    await stopBenchWorkers(workers);
    const queries = queryLogDir
      ? readQueryCounts(
          queryLogDir,
          workers.map((w) => w.name),
        )
      : null;
    return {
      wallMs,
      runs,
      timings,
      stats,
      queries,
      workers: workers.map((w) => ({
        name: w.name,
        pid: w.pid,
        peakRssBytes: rss.peak(w.pid),
        ranCoordinator: w.ranCoordinator,
        problems: w.problems,
      })),
    };
  } finally {
    rss.stop();
    await stopBenchWorkers(workers);
    if (queryLogDir) rmSync(queryLogDir, { recursive: true, force: true });
  }
}

/**
 * Rejects as soon as a worker exits while runs are open: the runs could never finish, and a bench
 * must not wait for its timeout (the machine is shared; someone else's `pkill` is not impossible).
 */
function workerDied(workers: BenchWorker[]): Promise<never> {
  return new Promise((_, reject) => {
    for (const w of workers) {
      w.child.once('exit', (code, signal) =>
        reject(new Error(`${w.name} (pid ${w.pid}) exited during the run: code ${code}, signal ${signal}`)),
      );
    }
  });
}

/** Waits until `n` processes listen on the coordinator queue, so start-up is not timed. */
export async function waitForWorkers(stack: BenchStack, n: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await stack.queues.coordinator.getWorkersCount()) >= n) return;
    await sleep(100);
  }
  throw new Error(`${n} worker processes did not connect within ${timeoutMs / 1000} s`);
}

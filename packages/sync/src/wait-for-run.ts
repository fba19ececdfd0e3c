import { getRun, pageProgress, ACTIVE_RUN_STATUSES, type Db, type SyncRun } from '@ghl-sync/db';
import type { Queues } from '@ghl-sync/queues';

/** Options for {@link waitForRun}. */
export interface WaitForRunOptions {
  db: Db;
  queues: Queues;
  runId: number;
  /** Called when progress changes, with a one-line description. */
  onProgress?: (line: string, run: SyncRun) => void;
  /** Called (at most every `warnEveryMs`) while no worker listens on the queues. */
  onNoWorker?: (line: string) => void;
  /** @defaultValue 500 */
  pollMs?: number;
  /** @defaultValue 10_000 */
  warnEveryMs?: number;
  /** Give up after this long, in ms; 0 = never. @defaultValue 0 */
  timeoutMs?: number;
}

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls a run until it is no longer active, reporting progress. Says so when no worker is
 * connected instead of hanging silently.
 * @returns the finished run. @throws Error when `timeoutMs` passes first.
 */
export async function waitForRun(options: WaitForRunOptions): Promise<SyncRun> {
  const started = Date.now();
  let lastLine = '';
  let lastWarn = 0;
  for (;;) {
    const run = await getRun(options.db, options.runId);
    if (!run) throw new Error(`run ${options.runId} disappeared`);
    if (!ACTIVE_RUN_STATUSES.includes(run.status)) return run;
    let line: string;
    if (run.status === 'writing') {
      const p = await pageProgress(options.db, run.id);
      line = `run ${run.id}: writing pages ${p.done}/${p.total}${p.failed ? ` (${p.failed} failed)` : ''}`;
    } else {
      line = `run ${run.id}: ${run.status}${run.status === 'listing' ? ` (${count(run.pages, 'page')}, ${count(run.listed, 'opportunity', 'opportunities')} listed)` : ''}`;
    }
    if (line !== lastLine) {
      options.onProgress?.(line, run);
      lastLine = line;
    }
    const now = Date.now();
    if (now - lastWarn >= (options.warnEveryMs ?? 10_000) && now - started > 1_500) {
      const workers = await options.queues.coordinator.getWorkersCount().catch(() => -1);
      if (workers === 0) {
        options.onNoWorker?.(
          `no worker is connected to queue prefix "${options.queues.prefix}": start one with \`npx ghl-sync worker\` (run ${run.id} is ${run.status})`,
        );
        lastWarn = now;
      }
    }
    if (options.timeoutMs && now - started > options.timeoutMs)
      throw new Error(`run ${run.id} still ${run.status} after ${Math.round(options.timeoutMs / 1000)} s`);
    await sleep(options.pollMs ?? 500);
  }
}

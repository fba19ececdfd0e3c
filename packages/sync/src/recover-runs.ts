import {
  getRun,
  listRunsNeedingAttention,
  markRunRecovered,
  pageProgress,
  requestCancel,
  transitionRun,
  type PageProgress,
  type SyncRun,
} from '@ghl-sync/db';
import { QUEUES, runKey, type Queues } from '@ghl-sync/queues';
import { finishRun } from './runs/finish-run.js';
import { resumeRun } from './runs/resume-run.js';
import type { SyncDeps } from './sync-deps.js';

/** What one recovery pass did. */
export interface RecoveryResult {
  timedOut: number[];
  /** Runs whose vanished jobs were re-enqueued (they resume where Postgres says they were). */
  resumed: number[];
  failed: number[];
  finished: number[];
}

/** Options for {@link recoverRuns}. */
export interface RecoverRunsOptions {
  /** A run younger than this is never judged: its first job may simply not have started. @defaultValue 120_000 */
  graceMs?: number;
  /** Re-enqueues per run before it is failed as `coordinator_lost`. @defaultValue 3 */
  maxRecoveries?: number;
}

const LIVE_STATES = new Set(['active', 'waiting', 'delayed', 'prioritized', 'waiting-children', 'wait', 'paused']);

/**
 * The maintenance pass that keeps runs from staying active forever:
 * - an active run past its deadline is cancelled with `run_timed_out` (a sweep that has not begun
 *   never begins; pages not yet written are skipped; the finalizer closes it `timed_out`);
 * - a run whose jobs vanished (a Redis restart without persistence, a flushed queue) is resumed:
 *   all its progress is in Postgres, so a new coordinator job picks pass 1 up after the last listed
 *   page, or a new page flow writes the pages not done yet. Job ids carry the recovery count, so
 *   they never collide with the lost ones. After `maxRecoveries` the run fails with `coordinator_lost`;
 * - a `writing` run whose flow parent (the finalize job) is still in Redis but has not run `graceMs`
 *   after its last page ended (or, asked to stop, with no page running) is closed here from its
 *   page rows, as the parent would have closed it. Closing is conditional on the run being active,
 *   so a parent that runs later finds it closed and changes nothing: it ends exactly once.
 */
export async function recoverRuns(
  deps: Pick<SyncDeps, 'db' | 'queues' | 'logger'> & Partial<SyncDeps>,
  options: RecoverRunsOptions = {},
): Promise<RecoveryResult> {
  const { db, queues, logger } = deps;
  const graceMs = options.graceMs ?? 120_000;
  const maxRecoveries = options.maxRecoveries ?? 3;
  const result: RecoveryResult = { timedOut: [], resumed: [], failed: [], finished: [] };
  const { overdue, stale } = await listRunsNeedingAttention(db, graceMs);
  for (const run of overdue) {
    if (await requestCancel(db, run.id, 'run_timed_out')) {
      result.timedOut.push(run.id);
      logger.warn(
        { runId: run.id, locationId: run.locationId, deadlineAt: run.deadlineAt },
        'run passed its deadline: cancelling',
      );
    }
  }
  for (const candidate of stale) {
    const run = await getRun(db, candidate.id);
    if (!run || Date.now() - run.startedAt.getTime() < graceMs) continue;
    const key = runKey(run);
    if (run.status === 'writing') {
      const finalizeId = QUEUES.finalize.jobId(key);
      const finalize = await liveJob(queues, 'finalize', finalizeId);
      const progress = await pageProgress(db, run.id);
      if (finalize) {
        // The flow parent normally runs moments after the last page ends. One still held back
        // graceMs after that will not run by itself (a master of the queues' slot lost mid-run left
        // one waiting for good): the run is closed here from its page rows, as the parent would have.
        if (!parentOverdue(run, progress, graceMs)) continue;
        if (await finishRun(deps, run.id, logger)) {
          result.finished.push(run.id);
          // Asked only here: every tick meets long runs whose parent waits normally.
          const pendingDependencies =
            finalize.state === 'waiting-children'
              ? ((await finalize.job.getDependenciesCount({ unprocessed: true })).unprocessed ?? null)
              : null;
          logger.warn(
            {
              runId: run.id,
              locationId: run.locationId,
              finalizeJobId: finalizeId,
              finalizeState: finalize.state,
              pendingDependencies,
              pages: progress.total,
              lastPageEndedAt: progress.lastEndedAt,
            },
            'flow parent of the run did not run although its pages ended: run closed from its page rows',
          );
        }
        continue;
      }
      if (allPagesEnded(progress) || run.cancelRequested || run.recoveries >= maxRecoveries) {
        if (await finishRun(deps, run.id, logger)) result.finished.push(run.id);
        continue;
      }
      const recovered = await markRunRecovered(db, run.id, run.recoveries);
      if (!recovered) continue;
      const resumed = await resumeRun(deps, recovered);
      result.resumed.push(run.id);
      logger.warn(
        {
          runId: run.id,
          locationId: run.locationId,
          pages: resumed.enqueued === 'pages' ? resumed.pages : 0,
          recovery: recovered.recoveries,
        },
        'page jobs of the run vanished: re-enqueued the pages not written yet',
      );
      continue;
    }
    const coordinatorJob = run.coordinatorJobId ?? QUEUES.coordinator.jobId(key);
    if (await isLive(queues, 'coordinator', coordinatorJob)) continue;
    if (run.recoveries >= maxRecoveries) {
      if (
        await transitionRun(db, run.id, 'failed', {
          errorCode: 'coordinator_lost',
          error: `the coordinator of run ${run.id} vanished ${run.recoveries + 1} times while the run was ${run.status}`,
        })
      ) {
        result.failed.push(run.id);
        logger.error(
          { runId: run.id, locationId: run.locationId, status: run.status },
          'coordinator lost for good: run failed; the next run will heal the data',
        );
      }
      continue;
    }
    const recovered = await markRunRecovered(db, run.id, run.recoveries);
    if (!recovered) continue;
    await resumeRun(deps, recovered);
    result.resumed.push(run.id);
    logger.warn(
      { runId: run.id, locationId: run.locationId, status: run.status, recovery: recovered.recoveries },
      'coordinator of the run vanished: re-enqueued; it resumes from Postgres',
    );
  }
  return result;
}

/**
 * A run's flow parent has waited too long when every page ended (written or failed for good), or
 * the run was asked to stop and no page is running, and nothing ended for `graceMs` since. Its
 * last page's end is the reference (the run's start when none ended).
 */
function parentOverdue(run: SyncRun, progress: PageProgress, graceMs: number): boolean {
  if (!allPagesEnded(progress) && !(run.cancelRequested && progress.running === 0)) return false;
  const since = progress.lastEndedAt ?? run.startedAt;
  return Date.now() - since.getTime() >= graceMs;
}

/** Every page of the run was written or failed for good. */
const allPagesEnded = (progress: PageProgress): boolean => progress.done + progress.failed === progress.total;

async function liveJob(queues: Queues, queue: 'coordinator' | 'finalize', jobId: string) {
  const job = await queues[queue].getJob(jobId);
  if (!job) return null;
  const state = await job.getState();
  return LIVE_STATES.has(state) ? { job, state } : null;
}

async function isLive(queues: Queues, queue: 'coordinator' | 'finalize', jobId: string): Promise<boolean> {
  return (await liveJob(queues, queue, jobId)) !== null;
}

import { getRun, listRunsNeedingAttention, requestCancel, transitionRun } from '@ghl-sync/db';
import { jobIds, runKey, type Queues } from '@ghl-sync/queues';
import { finishRun } from './finish-run.js';
import type { SyncDeps } from './sync-deps.js';

/** What one recovery pass did. */
export interface RecoveryResult {
  timedOut: number[];
  failed: number[];
  finished: number[];
}

/** A run younger than this is never judged: its coordinator may simply not have started yet. */
const GRACE_MS = 120_000;
const LIVE_STATES = new Set(['active', 'waiting', 'delayed', 'prioritized', 'waiting-children', 'wait', 'paused']);

/**
 * The maintenance pass that keeps runs from staying active forever:
 * - an active run past its deadline is cancelled with `run_timed_out` (a sweep that has not begun
 *   never begins; pages not yet written are skipped; the finalizer closes it `timed_out`);
 * - a run whose coordinator job is gone or failed while the run is still listing is failed with
 *   `coordinator_lost`;
 * - a run in `writing` whose finalize job is gone is finished from its page rows.
 */
export async function recoverRuns(deps: Pick<SyncDeps, 'db' | 'queues' | 'logger' | 'onRunFinished'> & Partial<SyncDeps>, now = Date.now()): Promise<RecoveryResult> {
  const { db, queues, logger } = deps;
  const result: RecoveryResult = { timedOut: [], failed: [], finished: [] };
  const { overdue, stale } = await listRunsNeedingAttention(db, GRACE_MS);
  for (const run of overdue) {
    if (await requestCancel(db, run.id, 'run_timed_out')) {
      result.timedOut.push(run.id);
      logger.warn({ runId: run.id, locationId: run.locationId, deadlineAt: run.deadlineAt }, 'run passed its deadline: cancelling');
    }
  }
  for (const candidate of stale) {
    const run = await getRun(db, candidate.id);
    if (!run || now - run.startedAt.getTime() < GRACE_MS) continue;
    if (run.status === 'writing') {
      if (await isLive(queues, 'finalize', jobIds.finalize(runKey(run)))) continue;
      // The flow parent is gone (trimmed or never added): close the run from what the pages say.
      if (await finishRun(deps as SyncDeps, run.id, logger)) result.finished.push(run.id);
      continue;
    }
    if (run.coordinatorJobId && (await isLive(queues, 'coordinator', run.coordinatorJobId))) continue;
    if (!run.coordinatorJobId && run.status === 'queued') continue;
    if (await transitionRun(db, run.id, 'failed', { errorCode: 'coordinator_lost', error: `the coordinator of run ${run.id} is gone while the run was ${run.status}` })) {
      result.failed.push(run.id);
      logger.error({ runId: run.id, locationId: run.locationId, status: run.status }, 'coordinator lost: run failed; the next run will heal the data');
    }
  }
  return result;
}

async function isLive(queues: Queues, queue: 'coordinator' | 'finalize', jobId: string): Promise<boolean> {
  const job = await queues[queue].getJob(jobId);
  if (!job) return false;
  return LIVE_STATES.has(await job.getState());
}


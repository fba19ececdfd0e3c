import { clearMarks, closeRunWithPageTotals, getRun, getRunByCoordinatorJob, type SyncRun } from '@ghl-sync/db';
import type { SyncLogger } from '../sync-deps.js';
import type { RunLifecycleDeps } from './run-lifecycle-deps.js';
import { bindOnce } from '../bind-once.js';
import { endSync } from './end-sync.js';

/** Which run a failed coordinator job was working for. */
export interface FailedCoordinatorJob {
  /** Set when the run was opened before the job (CLI, API, demo, recovery). */
  runId?: number;
  /** The BullMQ job id; finds the run a scheduled fire opened for itself. */
  jobId?: string;
}

/**
 * Ends the run of a coordinator job that failed for good (attempts exhausted or an unrecoverable
 * error): `failed`, with the error's stable code and message, page totals summed and marks dropped,
 * so the location's active slot is free for the next `sync` at once. Works for every way a run is
 * started, including scheduled fires, whose job carries no run id: their run is found by the
 * coordinator job id recorded when it was opened. The worker's final-failure hook calls this.
 * @returns the ended run, or null when there was none or it had already ended.
 */
export async function failRunForJob(
  deps: Pick<RunLifecycleDeps, 'db' | 'onRunFinished' | 'onSyncEnded'> & { logger: SyncLogger },
  job: FailedCoordinatorJob,
  error: { code: string; message: string },
): Promise<SyncRun | null> {
  const run =
    job.runId !== undefined
      ? await getRun(deps.db, job.runId)
      : job.jobId !== undefined
        ? await getRunByCoordinatorJob(deps.db, job.jobId)
        : null;
  if (!run) return null;
  const failed = await closeRunWithPageTotals(deps.db, run.id, 'failed', {
    errorCode: error.code,
    error: error.message,
  });
  if (!failed) return null;
  await clearMarks(deps.db, run.id);
  await endSync(deps, run.locationId, deps.logger);
  deps.onRunFinished?.(failed.status);
  bindOnce(deps.logger, { runId: run.id, locationId: run.locationId, jobId: job.jobId }).error(
    { code: error.code },
    `run ${run.id} failed: its coordinator failed for good (${error.code}: ${error.message})`,
  );
  return failed;
}

import { clearMarks, closeRunWithPageTotals, getRun, pageProgress, type RunStatus, type SyncRun } from '@ghl-sync/db';
import type { SyncLogger } from '../sync-deps.js';
import { endSync } from './end-sync.js';
import type { RunLifecycleDeps } from './run-lifecycle-deps.js';

/**
 * Ends a run from its page rows (idempotent: totals are recomputed, never added): `cancelled` (or
 * `timed_out`) when asked to stop, `failed` when a page failed for good, `completed_without_sweep`
 * when a guard refused the sweep, `completed` otherwise. Then drops the run's marks and ends the
 * location's sync in the rate limiter (`onSyncEnded`).
 * Called by the finalize job (the parent of the run's page jobs), by a coordinator that sees a
 * cancel, and by recovery.
 * @returns the ended run, or null when it was already ended (or does not exist).
 */
export async function finishRun(
  deps: Pick<RunLifecycleDeps, 'db' | 'onRunFinished' | 'onSyncEnded'>,
  runId: number,
  log: SyncLogger,
): Promise<SyncRun | null> {
  const run = await getRun(deps.db, runId);
  if (!run) return null;
  const progress = await pageProgress(deps.db, runId);
  const notDone = progress.total - progress.done;
  let status: RunStatus;
  let errorCode: string | null = null;
  let error: string | null = null;
  if (run.cancelRequested) {
    status = run.errorCode === 'run_timed_out' ? 'timed_out' : 'cancelled';
  } else if (notDone > 0) {
    status = 'failed';
    errorCode = 'page_failed';
    const unwritten = notDone - progress.failed;
    error =
      `${progress.failed} of ${progress.total} pages failed` +
      (unwritten > 0 ? `, ${unwritten} not written` : '') +
      (run.error ? `; ${run.error}` : '');
  } else if (run.sweepStatus === 'skipped') {
    status = 'completed_without_sweep';
  } else {
    status = 'completed';
  }
  const finished = await closeRunWithPageTotals(deps.db, runId, status, { errorCode, error });
  await clearMarks(deps.db, runId);
  if (finished) {
    // Only the call that closed it: a late call for an ended run must not end the next run's sync.
    await endSync(deps, run.locationId, log);
    deps.onRunFinished?.(finished.status, finished.drift);
    const ms =
      finished.finishedAt && finished.startedAt ? finished.finishedAt.getTime() - finished.startedAt.getTime() : null;
    log.info(
      {
        status,
        listed: finished.listed,
        inserted: finished.inserted,
        updated: finished.updated,
        unchanged: finished.unchanged,
        deleted: finished.deleted,
        failedPages: finished.failedPages,
        apiCalls: finished.apiCalls,
        durationMs: ms,
        ...(finished.drift !== null && { drift: finished.drift }),
      },
      `run ${runId} ${status}: inserted ${finished.inserted}, updated ${finished.updated}, unchanged ${finished.unchanged}, deleted ${finished.deleted}${finished.drift !== null ? `, drift ${finished.drift}` : ''}`,
    );
  }
  return finished;
}

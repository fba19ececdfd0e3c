import { transitionRun, type SyncRun } from '@ghl-sync/db';
import { GhlSyncError } from '@ghl-sync/errors';
import { openRun, type OpenRunInput } from './open-run.js';
import type { RunLifecycleDeps } from './run-lifecycle-deps.js';

/** Input of {@link startRun}: as {@link OpenRunInput}, minus the coordinator job (startRun enqueues it). */
export type StartRunInput = Omit<OpenRunInput, 'coordinatorJobId'>;

/** A started run and the id of its coordinator job. */
export interface StartedRun {
  run: SyncRun;
  jobId: string;
}

/**
 * Starts a run: checks the location, opens the run with its deadline and enqueues its coordinator.
 * If the enqueue fails (Redis down), the run is ended `failed` with `redis_error` at once, so it
 * does not hold the location's one active slot until recovery notices.
 * @throws GhlSyncError `location_not_found`, `location_needs_reconnect`, `run_already_active`
 *   (details.activeRunId), or `redis_error` (details.runId) when the coordinator could not be enqueued.
 */
export async function startRun(deps: RunLifecycleDeps, input: StartRunInput): Promise<StartedRun> {
  const run = await openRun(deps, input);
  try {
    const jobId = await deps.queues.enqueueCoordinator(
      {
        locationId: run.locationId,
        runId: run.id,
        trigger: input.trigger,
        mode: run.mode,
        allowMassDelete: run.allowMassDelete,
      },
      run,
    );
    return { run, jobId };
  } catch (err) {
    const message = `Could not enqueue the coordinator job of run ${run.id}: ${err instanceof Error ? err.message : String(err)}`;
    await transitionRun(deps.db, run.id, 'failed', { errorCode: 'redis_error', error: message }).catch(
      (undoErr: unknown) =>
        deps.logger.error(
          { runId: run.id, err: { message: undoErr instanceof Error ? undoErr.message : String(undoErr) } },
          'could not end the run whose coordinator was not enqueued; recovery will',
        ),
    );
    throw new GhlSyncError('redis_error', message, { cause: err, details: { runId: run.id } });
  }
}

import { createRun, type RunMode, type RunTrigger, type SyncRun } from '@ghl-sync/db';
import { requireSyncableLocation } from './require-syncable-location.js';
import type { RunLifecycleDeps } from './run-lifecycle-deps.js';

/** What a new run is: whose, who asked, how. */
export interface OpenRunInput {
  locationId: string;
  trigger: RunTrigger;
  /** @defaultValue 'full' */
  mode?: RunMode;
  /** Lets the sweep tombstone more than SWEEP_MAX_DELETE_RATIO of the live rows. @defaultValue false */
  allowMassDelete?: boolean;
  /** The coordinator job that opens its own run (a scheduled fire); recorded with the run. */
  coordinatorJobId?: string;
}

/**
 * Opens a run in state `queued` with its deadline (`runDeadlineMs` from now), after checking that
 * the location can sync. Enqueues nothing: {@link startRun} does that for runs opened outside a
 * coordinator; a scheduled fire's coordinator opens its own run with this.
 * @throws GhlSyncError `location_not_found`, `location_needs_reconnect`, `run_already_active`
 *   (details.activeRunId).
 */
export async function openRun(
  deps: Pick<RunLifecycleDeps, 'db' | 'runDeadlineMs'>,
  input: OpenRunInput,
): Promise<SyncRun> {
  await requireSyncableLocation(deps.db, input.locationId);
  return createRun(deps.db, {
    locationId: input.locationId,
    trigger: input.trigger,
    mode: input.mode ?? 'full',
    allowMassDelete: input.allowMassDelete ?? false,
    deadlineAt: new Date(Date.now() + deps.runDeadlineMs),
    coordinatorJobId: input.coordinatorJobId ?? null,
  });
}

import type { SyncLogger } from '../sync-deps.js';
import type { RunLifecycleDeps } from './run-lifecycle-deps.js';

/**
 * Tells the rate limiter the location's run is over (`onSyncEnded`), so its webhook re-reads are no
 * longer capped to their share. Never throws: when Redis cannot take it the mark lapses by itself
 * one rate-limit interval after the sync's last request, and the run is ended all the same.
 */
export async function endSync(
  deps: Pick<RunLifecycleDeps, 'onSyncEnded'>,
  locationId: string,
  log: SyncLogger,
): Promise<void> {
  try {
    await deps.onSyncEnded?.(locationId);
  } catch (err) {
    log.warn(
      { locationId, err: { message: (err as Error).message } },
      "could not end the location's sync in the rate limiter; webhook re-reads stay capped until its mark lapses",
    );
  }
}

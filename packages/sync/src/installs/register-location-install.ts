import { upsertLocation, type Db, type LocationSummary } from '@ghl-sync/db';
import { isGhlSyncError } from '@ghl-sync/errors';
import type { Queues } from '@ghl-sync/queues';
import type { TokenCipher } from '@ghl-sync/secrets';
import { applySchedule } from '../reconcile-schedules.js';
import { startRun } from '../runs/start-run.js';
import type { SyncLogger } from '../sync-deps.js';

/** What {@link registerLocationInstall} needs. */
export interface RegisterLocationInstallDeps {
  db: Db;
  queues: Queues;
  tokens: TokenCipher;
  logger: SyncLogger;
  /** Deadline of the first run, in ms (RUN_DEADLINE_MINUTES). */
  runDeadlineMs: number;
}

/**
 * Registers a sub-account install (a Location token pair from the authorization-code grant,
 * ghl-api.md §5.1) as an `oauth` location: both tokens sealed, the default schedule unless it has
 * one, and its first full run started (one already active is left to finish).
 */
export async function registerLocationInstall(
  deps: RegisterLocationInstallDeps,
  install: { locationId: string; accessToken: string; refreshToken: string; expiresInSec: number },
): Promise<LocationSummary> {
  const location = await upsertLocation(
    deps.db,
    {
      id: install.locationId,
      authType: 'oauth',
      accessToken: install.accessToken,
      refreshToken: install.refreshToken,
      tokenExpiresAt: new Date(Date.now() + install.expiresInSec * 1000),
    },
    deps.tokens,
  );
  await applySchedule(deps.queues, location);
  try {
    await startRun(deps, { locationId: install.locationId, trigger: 'install' });
  } catch (err) {
    if (!isGhlSyncError(err, 'run_already_active')) throw err;
  }
  return location;
}

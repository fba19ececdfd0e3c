import {
  getLocationSummary,
  listAgencyLocations,
  markAgencyNeedsReconnect,
  markLocationUninstalled,
  type Db,
} from '@ghl-sync/db';
import type { Queues } from '@ghl-sync/queues';
import { applySchedule } from '../reconcile-schedules.js';

/**
 * The app was removed from a location (UNINSTALL webhook, ghl-api.md §6): it is marked uninstalled
 * and its schedule removed, so no request is sent for it any more; its rows stay. A location
 * that is not registered, already uninstalled, or synced with a Private Integration Token (which
 * does not depend on the app) is left as it is.
 * @returns whether the location was registered and is now uninstalled by this call.
 */
export async function uninstallLocation(
  deps: { db: Db; queues: Pick<Queues, 'coordinator'> },
  locationId: string,
  reason: string,
): Promise<boolean> {
  // A location synced with its own Private Integration Token does not depend on the app.
  const location = await getLocationSummary(deps.db, locationId);
  if (!location || location.authType === 'pit') return false;
  const marked = await markLocationUninstalled(deps.db, locationId, reason);
  // Removed even when already marked: a scheduler left by a crash between the two steps goes too.
  await applySchedule(deps.queues as Queues, {
    id: locationId,
    scheduleCron: null,
    scheduleTz: 'UTC',
    needsReconnect: false,
  });
  return marked;
}

/**
 * The app was removed from a whole agency: every location of the agency is uninstalled and the
 * agency needs a new install before it mints anything again.
 * @returns the locations uninstalled by this call.
 */
export async function uninstallAgency(
  deps: { db: Db; queues: Pick<Queues, 'coordinator'> },
  agencyId: string,
  reason: string,
): Promise<string[]> {
  await markAgencyNeedsReconnect(deps.db, agencyId, reason);
  const done: string[] = [];
  for (const location of await listAgencyLocations(deps.db, agencyId))
    if (await uninstallLocation(deps, location.id, reason)) done.push(location.id);
  return done;
}

import { getLocationSummary, type LocationSummary, type Queryable } from '@ghl-sync/db';
import { GhlSyncError } from '@ghl-sync/errors';

/**
 * The one rule for "may this location sync now": it is registered, the app is still installed on
 * it and it does not need reconnection. Checked when a run is opened and again when its coordinator starts (the location
 * may have been flagged in between). Reads no credential, so a process without the token key (the
 * API) can open runs.
 * @throws GhlSyncError `location_not_found` (with the command that registers it);
 *   `location_uninstalled` (the app was removed from it); `location_needs_reconnect` (with the
 *   reason recorded when it was flagged).
 */
export async function requireSyncableLocation(db: Queryable, locationId: string): Promise<LocationSummary> {
  const location = await getLocationSummary(db, locationId);
  if (!location)
    throw new GhlSyncError(
      'location_not_found',
      `Location ${locationId} is not registered; add it with \`ghl-sync locations add ${locationId} --token-stdin\``,
      { details: { locationId } },
    );
  if (location.uninstalledAt)
    throw new GhlSyncError(
      'location_uninstalled',
      `Location ${locationId} was uninstalled (${location.uninstallReason ?? 'the app was removed from it'}); its rows are kept and it syncs again once the app is installed again`,
      { details: { locationId } },
    );
  if (location.needsReconnect)
    throw new GhlSyncError(
      'location_needs_reconnect',
      `Location ${locationId} needs reconnection (${location.reconnectReason ?? 'its OAuth refresh was refused'}); reconnect it before syncing`,
      { details: { locationId } },
    );
  return location;
}

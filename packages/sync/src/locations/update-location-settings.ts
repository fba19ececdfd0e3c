import {
  getLocationSummary,
  setLocationWebhooks,
  updateLocationSchedule,
  type Db,
  type LocationSummary,
} from '@ghl-sync/db';
import { GhlSyncError } from '@ghl-sync/errors';
import type { Queues } from '@ghl-sync/queues';
import { applySchedule } from '../reconcile-schedules.js';
import { validateSchedule, validateTimeZone } from '../validate-schedule.js';

/** The schedule of a location without webhooks unless someone chose one (the database's default). */
export const DEFAULT_SCHEDULE_CRON = '*/30 * * * *';

/** What {@link updateLocationSettings} changes; a field left out keeps its value. */
export interface LocationSettingsChange {
  /** Cron pattern of the scheduled sync, or null for none. */
  schedule?: string | null;
  /** IANA time zone of the schedule. */
  tz?: string;
  /** Webhooks on or off. */
  webhooks?: boolean;
}

/** What {@link updateLocationSettings} needs. */
export interface UpdateLocationSettingsDeps {
  db: Db;
  /** Its job schedulers are made to match the new schedule. */
  queues: Queues;
  /** The default schedule of a location with webhooks (WEBHOOK_SCHEDULE_CRON, every 6 h). */
  webhookScheduleCron: string;
}

/**
 * Changes a location's schedule and webhooks switch, then its job scheduler: what `ghl-sync
 * locations update` and `PATCH /api/locations/:id` do. Only the defaults follow the webhooks
 * switch: turning webhooks on moves the 30-minute default to `webhookScheduleCron` (the full sync
 * becomes a reconciliation), turning them off moves it back; a schedule someone chose stays, and
 * an explicit `schedule` wins over both.
 * @returns the location as saved.
 * @throws GhlSyncError `location_not_found`; `invalid_argument` for a schedule or zone BullMQ would refuse.
 */
export async function updateLocationSettings(
  deps: UpdateLocationSettingsDeps,
  locationId: string,
  change: LocationSettingsChange,
): Promise<LocationSummary> {
  const { db } = deps;
  const current = await getLocationSummary(db, locationId);
  if (!current) throw new GhlSyncError('location_not_found', `location ${locationId} is not registered`);
  const followed =
    change.webhooks === true && current.scheduleCron === DEFAULT_SCHEDULE_CRON
      ? deps.webhookScheduleCron
      : change.webhooks === false && current.scheduleCron === deps.webhookScheduleCron
        ? DEFAULT_SCHEDULE_CRON
        : current.scheduleCron;
  const cron = change.schedule === undefined ? followed : change.schedule;
  const tz = change.tz ?? current.scheduleTz;
  // A zone given without a schedule is checked too: stored unchecked, it would fail a later
  // update that names no zone at all.
  if (cron) validateSchedule(cron, tz);
  else if (change.tz !== undefined) validateTimeZone(change.tz);
  await updateLocationSchedule(db, locationId, cron, tz);
  if (change.webhooks !== undefined) await setLocationWebhooks(db, locationId, change.webhooks);
  const updated = await getLocationSummary(db, locationId);
  if (!updated) throw new GhlSyncError('location_not_found', `location ${locationId} is not registered`);
  await applySchedule(deps.queues, updated);
  return updated;
}

import { listLocations, type Db, type LocationSummary } from '@ghl-sync/db';
import { QUEUES, type Queues } from '@ghl-sync/queues';
import type { SyncLogger } from './sync-deps.js';

const { schedulerId, schedulerIdPrefix } = QUEUES.coordinator;

/**
 * Makes the coordinator queue's job schedulers match one location's schedule: one scheduler (id
 * `schedule-<locationId>`) with the location's cron pattern and time zone, or none when it has no
 * schedule, needs reconnection or was uninstalled. `upsertJobScheduler` replaces the pattern in place, so calling
 * this from many processes at once, or again after a crash, still leaves exactly one scheduler and
 * at most one pending scheduled job.
 */
export async function applySchedule(
  queues: Queues,
  location: Pick<LocationSummary, 'id' | 'scheduleCron' | 'scheduleTz' | 'needsReconnect'> &
    Partial<Pick<LocationSummary, 'uninstalledAt'>>,
): Promise<'scheduled' | 'removed'> {
  // BullMQ types a scheduler id as a job name; ours come from the catalog.
  const id = schedulerId(location.id) as never;
  if (!location.scheduleCron || location.needsReconnect || location.uninstalledAt) {
    await queues.coordinator.removeJobScheduler(id);
    return 'removed';
  }
  await queues.coordinator.upsertJobScheduler(
    id,
    { pattern: location.scheduleCron, tz: location.scheduleTz },
    {
      name: QUEUES.coordinator.jobNames.scheduled,
      data: { locationId: location.id, trigger: 'schedule', mode: 'full', allowMassDelete: false },
    },
  );
  return 'scheduled';
}

/**
 * Reconciles every location's scheduler from Postgres (run at worker start): upserts the scheduled
 * ones, removes those without a schedule and schedulers of locations that no longer exist.
 * @returns how many schedulers exist afterwards and how many were removed.
 */
export async function reconcileSchedules(
  db: Db,
  queues: Queues,
  logger: SyncLogger,
): Promise<{ scheduled: number; removed: number }> {
  const locations = await listLocations(db);
  let scheduled = 0;
  let removed = 0;
  for (const location of locations) {
    if ((await applySchedule(queues, location)) === 'scheduled') scheduled += 1;
  }
  const known = new Set(locations.map((l) => schedulerId(l.id)));
  for (const scheduler of await queues.coordinator.getJobSchedulers(0, -1)) {
    const key = scheduler.key ?? scheduler.id;
    if (key && key.startsWith(schedulerIdPrefix) && !known.has(key)) {
      await queues.coordinator.removeJobScheduler(key);
      removed += 1;
    }
  }
  logger.info({ scheduled, removed }, 'location schedules reconciled');
  return { scheduled, removed };
}

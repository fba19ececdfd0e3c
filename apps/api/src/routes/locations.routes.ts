import type { FastifyInstance } from 'fastify';
import { listLocations, listRuns, type Db, type SyncRun } from '@ghl-sync/db';
import { QUEUES, type Queues } from '@ghl-sync/queues';

/** Options for {@link registerLocationRoutes}. */
export interface LocationRoutesOptions {
  db: Db;
  queues: Queues;
}

/** The part of a run `GET /api/locations` shows per location. */
export type RunSummary = Pick<
  SyncRun,
  'id' | 'status' | 'mode' | 'trigger' | 'startedAt' | 'finishedAt' | 'listed' | 'errorCode'
>;

function summarize(run: SyncRun): RunSummary {
  const { id, status, mode, trigger, startedAt, finishedAt, listed, errorCode } = run;
  return { id, status, mode, trigger, startedAt, finishedAt, listed, errorCode };
}

/**
 * `GET /api/locations`: every registered location (never its credential) with its last run, the
 * next time its job scheduler fires (null when it has none) and whether it needs reconnecting.
 */
export function registerLocationRoutes(app: FastifyInstance, options: LocationRoutesOptions): void {
  app.get('/api/locations', async () => {
    const locations = await listLocations(options.db);
    // One query per location: an admin view over tens of locations, not a hot path.
    const rows = await Promise.all(
      locations.map(async (location) => {
        const [[lastRun], scheduler] = await Promise.all([
          listRuns(options.db, { locationId: location.id, limit: 1 }),
          options.queues.coordinator.getJobScheduler(QUEUES.coordinator.schedulerId(location.id)),
        ]);
        const next = scheduler?.next;
        return {
          ...location,
          needsReconnect: location.needsReconnect,
          lastRun: lastRun ? summarize(lastRun) : null,
          nextRunAt: typeof next === 'number' ? new Date(next).toISOString() : null,
        };
      }),
    );
    return { locations: rows };
  });
}

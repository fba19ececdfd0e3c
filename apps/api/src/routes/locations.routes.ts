import type { FastifyInstance } from 'fastify';
import { listLocations, listRuns, type Db, type SyncRun } from '@ghl-sync/db';
import { QUEUES, type Queues } from '@ghl-sync/queues';
import { updateLocationSettings } from '@ghl-sync/sync/locations';
import { locationIdParamsSchema, updateLocationBodySchema } from '../schemas/location-request.schema.js';
import { parseInput } from '../schemas/parse-input.js';

/** Options for {@link registerLocationRoutes}. */
export interface LocationRoutesOptions {
  db: Db;
  queues: Queues;
  /** Schedule a location's 30-minute default becomes when its webhooks are turned on (WEBHOOK_SCHEDULE_CRON). */
  webhookScheduleCron: string;
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
 * `PATCH /api/locations/:id` turns a location's webhooks on or off, as `ghl-sync locations update
 * --webhooks|--no-webhooks` does (a default schedule follows the switch): 200 with the location,
 * 404 `location_not_found`, 400 `invalid_argument`.
 *
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

  app.patch('/api/locations/:id', async (request) => {
    const { id } = parseInput(locationIdParamsSchema, request.params, 'params');
    const body = parseInput(updateLocationBodySchema, request.body, 'body');
    const location = await updateLocationSettings(
      { db: options.db, queues: options.queues, webhookScheduleCron: options.webhookScheduleCron },
      id,
      { webhooks: body.webhooks },
    );
    return { location };
  });
}

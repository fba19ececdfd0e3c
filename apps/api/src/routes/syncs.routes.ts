import type { FastifyInstance } from 'fastify';
import {
  createRun,
  getRun,
  listPages,
  listRunErrors,
  listRuns,
  requestCancel,
  transitionRun,
  type Db,
} from '@ghl-sync/db';
import { GhlSyncError } from '@ghl-sync/errors';
import type { Queues } from '@ghl-sync/queues';
import { errorResponse } from '../http/error-response.js';
import { parseInput } from '../schemas/parse-input.js';
import { listSyncsQuerySchema, runIdParamsSchema, startSyncBodySchema } from '../schemas/sync-request.schema.js';

/** Options for {@link registerSyncRoutes}. */
export interface SyncRoutesOptions {
  db: Db;
  queues: Queues;
  /** Deadline of a run started here, in minutes from now. */
  runDeadlineMinutes: number;
}

/**
 * Sync runs: start one (`POST /api/syncs`), read one with its pages and record errors, list them,
 * and ask one to stop. The API only writes the run row and the coordinator job; the worker does the rest.
 */
export function registerSyncRoutes(app: FastifyInstance, options: SyncRoutesOptions): void {
  const { db, queues } = options;

  app.post('/api/syncs', async (request, reply) => {
    const body = parseInput(startSyncBodySchema, request.body, 'body');
    // createRun enforces one active run per location and a registered location (unique index and FK),
    // so two concurrent POSTs cannot both win.
    const run = await createRun(db, {
      locationId: body.locationId,
      trigger: 'api',
      mode: body.mode,
      allowMassDelete: body.allowMassDelete ?? false,
      deadlineAt: new Date(Date.now() + options.runDeadlineMinutes * 60_000),
    });
    let jobId: string;
    try {
      jobId = await queues.enqueueCoordinator(
        {
          locationId: run.locationId,
          runId: run.id,
          trigger: 'api',
          mode: run.mode,
          allowMassDelete: run.allowMassDelete,
        },
        run,
      );
    } catch (err) {
      // Without its coordinator job the run would hold the location's active slot until its deadline.
      const message = `Could not enqueue the coordinator job: ${err instanceof Error ? err.message : String(err)}`;
      await transitionRun(db, run.id, 'failed', { errorCode: 'redis_error', error: message }).catch(() => undefined);
      throw new GhlSyncError('redis_error', message, { cause: err, details: { runId: run.id } });
    }
    return reply
      .code(202)
      .send({ runId: run.id, locationId: run.locationId, status: run.status, mode: run.mode, jobId });
  });

  app.get('/api/syncs', async (request) => {
    const query = parseInput(listSyncsQuerySchema, request.query, 'query');
    const runs = await listRuns(db, { locationId: query.locationId, limit: query.limit });
    return { runs };
  });

  app.get('/api/syncs/:id', async (request, reply) => {
    const { id } = parseInput(runIdParamsSchema, request.params, 'params');
    const run = await getRun(db, id);
    if (!run)
      return errorResponse(reply, 404, 'run_not_found', `No sync run with id ${id}`, { details: { runId: id } });
    const [pages, errors] = await Promise.all([listPages(db, id), listRunErrors(db, id)]);
    return { run, pages, errors };
  });

  app.post('/api/syncs/:id/cancel', async (request, reply) => {
    const { id } = parseInput(runIdParamsSchema, request.params, 'params');
    const existing = await getRun(db, id);
    if (!existing)
      return errorResponse(reply, 404, 'run_not_found', `No sync run with id ${id}`, { details: { runId: id } });
    // Only flags the run; the worker stops enqueueing pages, drains and ends it `cancelled`.
    const run = await requestCancel(db, id);
    if (!run) {
      const latest = (await getRun(db, id)) ?? existing;
      return errorResponse(
        reply,
        409,
        'run_not_active',
        `Run ${id} already finished (${latest.status}); nothing to cancel`,
        { details: { runId: id, status: latest.status } },
      );
    }
    return reply.code(202).send({ run });
  });
}

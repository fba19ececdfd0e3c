import type { FastifyInstance } from 'fastify';
import { getRun, listPages, listRunErrors, listRuns, requestCancel, type Db } from '@ghl-sync/db';
import type { Queues } from '@ghl-sync/queues';
import { startRun } from '@ghl-sync/sync/runs';
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
    // startRun checks the location, and the run table's constraints keep two concurrent POSTs from
    // both winning; a coordinator that cannot be enqueued ends its run at once (503 redis_error).
    const { run, jobId } = await startRun(
      { db, queues, logger: app.log, runDeadlineMs: options.runDeadlineMinutes * 60_000 },
      { locationId: body.locationId, trigger: 'api', mode: body.mode, allowMassDelete: body.allowMassDelete ?? false },
    );
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

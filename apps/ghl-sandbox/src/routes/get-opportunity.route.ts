import type { FastifyInstance, FastifyReply } from 'fastify';
import { badRequestBody, forbiddenLocationBody, notFoundBody } from '../errors.js';
import { answer } from '../http/answer.js';
import { guardLocationRequest } from '../http/location-guard.js';
import type { ServerContext } from '../http/server-context.js';
import type { LocationRuntime } from '../location-runtime.js';

/** The message of a not-found answer (our inference: the official file documents no 404). */
export const OPPORTUNITY_NOT_FOUND_MESSAGE = 'Opportunity not found';

/**
 * `GET /opportunities/{id}` (operationId `get-opportunity`, ghl-api.md §2.3): `{ opportunity }`
 * with the same record shape as search (`SearchOpportunitiesResponseSchema`) but no `sort` key and
 * no `notes` (§7 #21). It reads the truth, not the lagging search index: a record is found the
 * moment it is written.
 *
 * An unknown or deleted id gets the `notFoundStatus` knob's answer: by default the 400
 * BadRequestDTO, the only client-error status the official file documents for this operation
 * besides 401/422 (the real answer for a deleted id is not public, ghl-api.md §3); `404` gives the
 * v3 NotFoundDTO instead. An id of another sandbox location answers 403 like search does.
 */
export function registerGetOpportunityRoute(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Params: { id: string } }>('/opportunities/:id', async (request, reply) => {
    const runtime = await guardLocationRequest(ctx, request, reply);
    if (runtime === undefined) return reply;
    runtime.stats.getOpportunityStarted();
    try {
      return await answerGet(ctx, reply, runtime, request.params.id);
    } finally {
      runtime.stats.getOpportunityAnswered();
    }
  });
}

/** The answer to one admitted GET: the record, 403 for another location's id, or the not-found answer. */
async function answerGet(
  ctx: ServerContext,
  reply: FastifyReply,
  runtime: LocationRuntime,
  id: string,
): Promise<FastifyReply> {
  const record = runtime.store.get(id);
  if (record !== undefined) {
    const opportunity = { ...record };
    delete opportunity['sort'];
    return answer(ctx, reply, runtime, 200, { opportunity });
  }
  for (const other of ctx.state.locations.values()) {
    if (other !== runtime && other.store.get(id) !== undefined)
      return answer(ctx, reply, runtime, 403, forbiddenLocationBody());
  }
  return runtime.store.knobs.notFoundStatus === 404
    ? answer(ctx, reply, runtime, 404, notFoundBody(OPPORTUNITY_NOT_FOUND_MESSAGE))
    : answer(ctx, reply, runtime, 400, badRequestBody(OPPORTUNITY_NOT_FOUND_MESSAGE));
}

import type { FastifyInstance } from 'fastify';
import { forbiddenLocationBody, unprocessableBody } from '../errors.js';
import { answer } from '../http/answer.js';
import { guardLocationRequest } from '../http/location-guard.js';
import type { ServerContext } from '../http/server-context.js';

/**
 * `GET /opportunities/pipelines?locationId=…` (camelCase, required; ghl-api.md §2.2). Same
 * whitelist validation as search; the missing-locationId message mirrors search's (our inference).
 */
export function registerPipelinesRoute(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/opportunities/pipelines', async (request, reply) => {
    const runtime = await guardLocationRequest(ctx, request, reply);
    if (runtime === undefined) return reply;
    const query = request.query as Record<string, unknown>;
    const errors = Object.keys(query)
      .filter((name) => name !== 'locationId')
      .map((name) => `property ${name} should not exist`);
    const locationId = query['locationId'];
    if (typeof locationId !== 'string' || locationId === '') errors.push("locationId can't be undefined");
    if (errors.length > 0) return answer(ctx, reply, runtime, 422, unprocessableBody(errors));
    if (locationId !== runtime.id) return answer(ctx, reply, runtime, 403, forbiddenLocationBody());
    return answer(ctx, reply, runtime, 200, { pipelines: runtime.store.profile.pipelines });
  });
}

import type { FastifyInstance } from 'fastify';
import { badRequestBody, unprocessableBody } from '../errors.js';
import { guardCompanyRequest } from '../http/company-guard.js';
import { setRateLimitHeaders } from '../http/rate-limit-headers.js';
import type { ServerContext } from '../http/server-context.js';
import { withTraceId } from '../http/trace-id.js';

const KNOWN = new Set([
  'companyId',
  'appId',
  'isInstalled',
  'skip',
  'limit',
  'query',
  'versionId',
  'onTrial',
  'planId',
]);

/**
 * `GET /oauth/installedLocations?companyId&appId` (ghl-api.md §5.2): the agency's locations with
 * `isInstalled`, `count` and `installToFutureLocations`. Filters `isInstalled=true|false` and
 * `query` (name contains); paging with `skip` and `limit` (without `limit`, everything: the
 * default is undocumented, our inference).
 */
export function registerOAuthInstalledLocationsRoute(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/oauth/installedLocations', async (request, reply) => {
    setRateLimitHeaders(reply, ctx.state.config, undefined, Date.now());
    const companyId = await guardCompanyRequest(ctx, request, reply);
    if (companyId === undefined) return reply;
    const query = request.query as Record<string, string | undefined>;
    const errors = Object.keys(query)
      .filter((k) => !KNOWN.has(k))
      .map((k) => `property ${k} should not exist`);
    for (const k of ['companyId', 'appId']) if (!query[k]) errors.push(`${k} should not be empty`);
    if (errors.length > 0) return reply.code(422).send(withTraceId(unprocessableBody(errors)));
    if (query['companyId'] !== companyId)
      return reply.code(400).send(withTraceId(badRequestBody('The token does not belong to this company')));
    if (query['appId'] !== ctx.state.config.appId)
      return reply.code(400).send(withTraceId(badRequestBody('App not found')));
    const skip = Math.max(0, Number(query['skip'] ?? 0) || 0);
    const limit = query['limit'] === undefined ? Number.POSITIVE_INFINITY : Math.max(0, Number(query['limit']) || 0);
    const needle = query['query']?.toLowerCase();
    const rows = ctx.state
      .companyLocations(companyId)
      .map((l) => ({ l, isInstalled: ctx.state.installs.isInstalled(companyId, l.id) }))
      .filter(({ isInstalled }) => query['isInstalled'] === undefined || String(isInstalled) === query['isInstalled'])
      .filter(({ l }) => needle === undefined || l.name.toLowerCase().includes(needle));
    return reply.code(200).send(
      withTraceId({
        locations: rows
          .slice(skip, skip + limit)
          .map(({ l, isInstalled }) => ({ _id: l.id, name: l.name, address: '', isInstalled })),
        count: rows.length,
        installToFutureLocations: ctx.state.installs.installToFuture(companyId),
      }),
    );
  });
}

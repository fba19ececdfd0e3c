import type { FastifyInstance } from 'fastify';
import { badRequestBody } from '../errors.js';
import { setRateLimitHeaders } from '../http/rate-limit-headers.js';
import type { ServerContext } from '../http/server-context.js';
import { withTraceId } from '../http/trace-id.js';
import { heldFor } from '../http/held-for.js';

/**
 * `POST /oauth/reconnect` — GHL's Reconnect API for installs whose tokens were lost
 * (ghl-api.md §5.1 [C S17]): `{clientKey, clientSecret, locationId | companyId}` →
 * `{authorizationCode, expiresAt, traceId}`; the code is then exchanged at `POST /oauth/token`
 * like an install's. The sandbox refuses (400) when the app is not installed on the location or
 * agency, when the location is inactive, or when `oauthReconnectRefused` is set; the status and
 * messages of refusals are our inference (the help-centre article shows only the success shape).
 * `oauthReconnectDelayMs` answers a location's reconnect late (no code is issued if the client
 * hung up meanwhile).
 */
export function registerOAuthReconnectRoute(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/oauth/reconnect', async (request, reply) => {
    const now = Date.now();
    setRateLimitHeaders(reply, ctx.state.config, undefined, now);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const text = (name: string): string | undefined =>
      typeof body[name] === 'string' && body[name] !== '' ? (body[name] as string) : undefined;
    const { clientId, clientSecret } = ctx.state.config.oauthClient;
    if (text('clientKey') !== clientId || text('clientSecret') !== clientSecret)
      return reply
        .code(401)
        .send(withTraceId({ statusCode: 401, message: 'Invalid client credentials', error: 'Unauthorized' }));
    const locationId = text('locationId');
    const companyId = text('companyId');
    if ((locationId === undefined) === (companyId === undefined))
      return reply.code(400).send(withTraceId(badRequestBody('Exactly one of locationId or companyId is required')));

    if (locationId !== undefined) {
      const runtime = ctx.state.locations.get(locationId);
      if (runtime === undefined)
        return reply.code(400).send(withTraceId(badRequestBody(`Location ${locationId} not found`)));
      runtime.stats.reconnectCalls += 1;
      const knobs = runtime.store.knobs;
      if (knobs.oauthReconnectRefused || knobs.oauthLocationInactive)
        return reply.code(400).send(withTraceId(badRequestBody('Reconnect is not allowed: location is not active')));
      if (!ctx.state.installs.isInstalled(runtime.companyId, locationId))
        return reply.code(400).send(withTraceId(badRequestBody('The app is not installed on this location')));
      if (knobs.oauthReconnectDelayMs > 0 && !(await heldFor(ctx, reply, knobs.oauthReconnectDelayMs))) return reply;
      const { code, expiresAtMs } = ctx.state.tokens.issueCode(
        { authClass: 'Location', ownerId: locationId, companyId: runtime.companyId, approvedLocations: [locationId] },
        now,
      );
      return reply
        .code(200)
        .send(withTraceId({ authorizationCode: code, expiresAt: new Date(expiresAtMs).toISOString() }));
    }

    const installed = ctx.state.installs.installed(companyId!);
    if (installed.length === 0)
      return reply.code(400).send(withTraceId(badRequestBody('The app is not installed on this company')));
    const { code, expiresAtMs } = ctx.state.tokens.issueCode(
      { authClass: 'Company', ownerId: companyId!, companyId: companyId!, approvedLocations: installed },
      now,
    );
    return reply
      .code(200)
      .send(withTraceId({ authorizationCode: code, expiresAt: new Date(expiresAtMs).toISOString() }));
  });
}

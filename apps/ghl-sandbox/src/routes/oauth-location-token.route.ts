import type { FastifyInstance } from 'fastify';
import { badRequestBody } from '../errors.js';
import { guardCompanyRequest } from '../http/company-guard.js';
import { setRateLimitHeaders } from '../http/rate-limit-headers.js';
import type { ServerContext } from '../http/server-context.js';
import { withTraceId } from '../http/trace-id.js';
import { SANDBOX_SCOPES } from './oauth-token.route.js';

/**
 * `POST /oauth/locationToken` (ghl-api.md §5.2): an agency (Company) token, `Version`, form
 * `companyId` + `locationId` → **201** with a Location access token and **no refresh token**
 * (re-mint from the Company token when it expires). Its lifetime is the location's
 * `locationTokenTtlSec` knob (default a day). Refusals for another company or a location without
 * the app are our inference (400).
 */
export function registerOAuthLocationTokenRoute(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/oauth/locationToken', async (request, reply) => {
    const now = Date.now();
    setRateLimitHeaders(reply, ctx.state.config, undefined, now);
    const companyId = await guardCompanyRequest(ctx, request, reply);
    if (companyId === undefined) return reply;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const missing = ['companyId', 'locationId'].filter((k) => typeof body[k] !== 'string' || body[k] === '');
    if (missing.length > 0)
      return reply.code(422).send(
        withTraceId({
          statusCode: 422,
          message: missing.map((k) => `${k} should not be empty`),
          error: 'Unprocessable Entity',
        }),
      );
    if (body['companyId'] !== companyId)
      return reply.code(400).send(withTraceId(badRequestBody('The token does not belong to this company')));
    const locationId = body['locationId'] as string;
    const runtime = ctx.state.locations.get(locationId);
    if (
      runtime === undefined ||
      runtime.companyId !== companyId ||
      !ctx.state.installs.isInstalled(companyId, locationId)
    )
      return reply.code(400).send(withTraceId(badRequestBody('The app is not installed on this location')));
    runtime.stats.locationTokenMints += 1;
    const ttlSec = runtime.store.knobs.locationTokenTtlSec ?? 86_399;
    return reply.code(201).send(
      withTraceId({
        access_token: ctx.state.tokens.mintLocationToken(locationId, ttlSec, now),
        token_type: 'Bearer',
        expires_in: ttlSec,
        scope: SANDBOX_SCOPES,
        locationId,
        planId: 'sandbox-plan',
        userId: runtime.store.profile.users[0] ?? 'sandbox-user',
        appId: ctx.state.config.appId,
        versionId: ctx.state.config.appId,
      }),
    );
  });
}

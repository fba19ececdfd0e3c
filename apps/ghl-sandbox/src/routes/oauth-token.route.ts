import type { FastifyInstance, FastifyReply } from 'fastify';
import type { IssuedPair } from '../auth/token-registry.js';
import { oauthErrorBody } from '../errors.js';
import { setRateLimitHeaders } from '../http/rate-limit-headers.js';
import type { ServerContext } from '../http/server-context.js';
import { withTraceId } from '../http/trace-id.js';
import { heldFor } from '../http/held-for.js';
import type { LocationRuntime } from '../location-runtime.js';

/** Scopes the sandbox grants (space-separated, as the real `scope` field, ghl-api.md §5.1). */
export const SANDBOX_SCOPES =
  'opportunities.readonly opportunities.write locations.readonly oauth.readonly oauth.write';

/**
 * `POST /oauth/token` (form-encoded, no Version header; ghl-api.md §5.1): the `refresh_token` and
 * `authorization_code` grants. Refresh tokens are single use and rotate; the previous access token
 * stays valid until its own expiry. Authorization codes (from chooselocation or the Reconnect API)
 * are single use too; the token class (Location or Company) is the one the code was issued for.
 *
 * Knobs of the token's location: `oauthLocationInactive` refuses, `oauthRefreshDrop` and
 * `oauthRefreshDelayMs` process the refresh but lose or delay its answer,
 * `oauthRefreshNoExpiresIn` processes it but answers without `expires_in`.
 *
 * Error bodies use the OAuth `{error, error_description}` form; only the invalid refresh token
 * text is quoted from client code [H S24]. `invalid_client`, `unsupported_grant_type`, the code
 * messages and "Location is not active" are our inference.
 */
export function registerOAuthTokenRoute(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/oauth/token', async (request, reply) => {
    const now = Date.now();
    setRateLimitHeaders(reply, ctx.state.config, undefined, now);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const field = (name: string): string | undefined =>
      typeof body[name] === 'string' ? (body[name] as string) : undefined;
    const refuse = (status: number, error: string, description: string): FastifyReply =>
      reply.code(status).send(withTraceId(oauthErrorBody(error, description)));
    const { clientId, clientSecret } = ctx.state.config.oauthClient;
    if (field('client_id') !== clientId || field('client_secret') !== clientSecret)
      return refuse(401, 'invalid_client', 'Invalid client: client credentials are invalid');
    const userType = field('user_type');
    if (userType !== undefined && userType !== 'Location' && userType !== 'Company')
      return refuse(400, 'invalid_request', 'user_type must be Company or Location');

    const grantType = field('grant_type');
    if (grantType === 'authorization_code') {
      const grant = ctx.state.tokens.redeemCode(field('code') ?? '', now);
      if (grant === undefined) return refuse(400, 'invalid_grant', 'Invalid grant: authorization code is invalid');
      const redirectUri = field('redirect_uri');
      if (grant.redirectUri !== undefined && redirectUri !== undefined && redirectUri !== grant.redirectUri)
        return refuse(400, 'invalid_grant', 'Invalid grant: redirect_uri does not match');
      const runtime = grant.authClass === 'Location' ? ctx.state.locations.get(grant.ownerId) : undefined;
      if (runtime !== undefined) runtime.stats.codeExchanges += 1;
      const pair = ctx.state.tokens.issuePair(grant.authClass, grant.ownerId, 86_399, now);
      return reply.code(200).send(
        withTraceId({
          ...tokenBody(pair, runtime),
          companyId: grant.companyId,
          ...(grant.authClass === 'Company' && {
            approvedLocations: grant.approvedLocations,
            isBulkInstallation: grant.approvedLocations.length > 1,
            installToFutureLocations: ctx.state.installs.installToFuture(grant.companyId),
          }),
        }),
      );
    }
    if (grantType !== 'refresh_token')
      return refuse(400, 'unsupported_grant_type', 'grant_type must be authorization_code or refresh_token');

    const refreshToken = field('refresh_token') ?? '';
    const owner = ctx.state.tokens.refreshOwner(refreshToken);
    const runtime = owner?.authClass === 'Location' ? ctx.state.locations.get(owner.ownerId) : undefined;
    if (runtime !== undefined) {
      runtime.stats.refreshCalls += 1;
      if (runtime.store.knobs.oauthLocationInactive) return refuse(401, 'invalid_grant', 'Location is not active');
    }
    if (owner?.authClass === 'Company') ctx.state.companyOAuthStats.refreshCalls += 1;
    const result = ctx.state.tokens.exchange(refreshToken, now);
    if (result.kind === 'invalid') {
      if (result.reused && runtime !== undefined) runtime.stats.refreshReused += 1;
      if (result.reused && owner?.authClass === 'Company') ctx.state.companyOAuthStats.refreshReused += 1;
      return refuse(400, 'invalid_grant', 'Invalid grant: refresh token is invalid');
    }
    const answerBody = withTraceId({
      ...tokenBody(result, runtime),
      ...(runtime !== undefined && { companyId: runtime.companyId }),
      ...(result.authClass === 'Company' && { companyId: result.ownerId }),
    });
    if (runtime === undefined) return reply.code(200).send(answerBody);
    const knobs = runtime.store.knobs;
    if (knobs.oauthRefreshDrop > 0) {
      knobs.oauthRefreshDrop -= 1;
      runtime.stats.refreshAnswersLost += 1;
      // The refresh happened; only its answer dies (the connection closes without a response).
      reply.hijack();
      (reply.raw.socket ?? request.raw.socket).destroy();
      return reply;
    }
    if (knobs.oauthRefreshNoExpiresIn > 0) {
      knobs.oauthRefreshNoExpiresIn -= 1;
      // The refresh happened; its answer lacks what the client needs to use it.
      const withoutExpiry: Record<string, unknown> = { ...answerBody };
      delete withoutExpiry['expires_in'];
      return reply.code(200).send(withoutExpiry);
    }
    if (knobs.oauthRefreshDelayMs > 0) {
      const listening = await heldFor(ctx, reply, knobs.oauthRefreshDelayMs);
      if (!listening) {
        runtime.stats.refreshAnswersLost += 1;
        return reply;
      }
    }
    return reply.code(200).send(answerBody);
  });
}

/** The success body shared by both grants (`GetAccessCodeSuccessfulResponseDto`, ghl-api.md §5.1). */
function tokenBody(pair: IssuedPair, runtime: LocationRuntime | undefined): Record<string, unknown> {
  return {
    access_token: pair.accessToken,
    token_type: 'Bearer',
    expires_in: pair.expiresIn,
    refresh_token: pair.refreshToken,
    scope: SANDBOX_SCOPES,
    userType: pair.authClass,
    ...(pair.authClass === 'Location' && { locationId: pair.ownerId }),
    userId: runtime?.store.profile.users[0] ?? 'sandbox-user',
  };
}

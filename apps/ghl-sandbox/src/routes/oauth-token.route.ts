import type { FastifyInstance } from 'fastify';
import { oauthErrorBody } from '../errors.js';
import { setRateLimitHeaders } from '../http/rate-limit-headers.js';
import type { ServerContext } from '../http/server-context.js';
import { withTraceId } from '../http/trace-id.js';

/** Scopes the sandbox grants (space-separated, as the real `scope` field, ghl-api.md §5.1). */
const SCOPES = 'opportunities.readonly opportunities.write';

/**
 * `POST /oauth/token` (form-encoded, no Version header; ghl-api.md §5.1). Only the refresh grant
 * is simulated — installs come from the admin surface. Refresh tokens are single use and rotate;
 * the previous access token stays valid until its own expiry.
 *
 * Error bodies use the OAuth `{error, error_description}` form; only the invalid refresh token
 * text is quoted from client code [H S24]. `invalid_client`, `unsupported_grant_type` and the
 * "Location is not active" answer (knob `oauthLocationInactive`) are our inference.
 */
export function registerOAuthTokenRoute(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/oauth/token', async (request, reply) => {
    const now = Date.now();
    setRateLimitHeaders(reply, ctx.state.config, undefined, now);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const field = (name: string): string | undefined =>
      typeof body[name] === 'string' ? (body[name] as string) : undefined;
    const { clientId, clientSecret } = ctx.state.config.oauthClient;
    if (field('client_id') !== clientId || field('client_secret') !== clientSecret) {
      return reply
        .code(401)
        .send(withTraceId(oauthErrorBody('invalid_client', 'Invalid client: client credentials are invalid')));
    }
    if (field('grant_type') !== 'refresh_token') {
      return reply
        .code(400)
        .send(
          withTraceId(oauthErrorBody('unsupported_grant_type', 'The sandbox only supports grant_type=refresh_token')),
        );
    }
    const refreshToken = field('refresh_token') ?? '';
    const locationId = ctx.state.tokens.refreshLocation(refreshToken);
    const runtime = locationId === undefined ? undefined : ctx.state.locations.get(locationId);
    if (runtime !== undefined) {
      runtime.stats.refreshCalls += 1;
      if (runtime.store.knobs.oauthLocationInactive) {
        return reply.code(401).send(withTraceId(oauthErrorBody('invalid_grant', 'Location is not active')));
      }
    }
    const result = ctx.state.tokens.exchange(refreshToken, now);
    if (result.kind === 'invalid') {
      return reply
        .code(400)
        .send(withTraceId(oauthErrorBody('invalid_grant', 'Invalid grant: refresh token is invalid')));
    }
    return reply.code(200).send(
      withTraceId({
        access_token: result.accessToken,
        token_type: 'Bearer',
        expires_in: result.expiresIn,
        refresh_token: result.refreshToken,
        scope: SCOPES,
        userType: 'Location',
        locationId: result.locationId,
        userId: runtime?.store.profile.users[0] ?? 'sandbox-user',
      }),
    );
  });
}

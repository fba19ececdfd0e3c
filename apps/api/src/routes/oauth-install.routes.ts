import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { consumeInstallState, createInstallState, upsertAgency, type Db } from '@ghl-sync/db';
import { isGhlSyncError, type ErrorCode } from '@ghl-sync/errors';
import { exchangeAuthorizationCode, type OAuthTokenAnswer } from '@ghl-sync/ghl-client';
import type { Queues } from '@ghl-sync/queues';
import type { TokenCipher } from '@ghl-sync/secrets';
import { registerLocationInstall } from '@ghl-sync/sync/installs';
import { PUBLIC_ROUTE } from '../auth/route-access.js';

/** Where an install starts and where GHL sends the browser back (the app's redirect URI). */
export const INSTALL_PATH = '/oauth/install';
export const CALLBACK_PATH = '/oauth/callback';
/** Cookie that ties a callback to the browser that started the install. */
const STATE_COOKIE = 'ghl_sync_install_state';

/** The marketplace app's settings (config: GHL_OAUTH_*, GHL_MARKETPLACE_URL, OAUTH_INSTALL_STATE_TTL_S). */
export interface OAuthInstallSettings {
  /** GHL_OAUTH_CLIENT_ID; without it (or the secret, the redirect URI, the token key) the routes answer 503. */
  clientId?: string | undefined;
  /** GHL_OAUTH_CLIENT_SECRET. Never logged or shown. */
  clientSecret?: string | undefined;
  /** GHL_OAUTH_REDIRECT_URI: this API's `/oauth/callback` as the browser reaches it. */
  redirectUri?: string | undefined;
  /** Space-separated scopes the install asks for (GHL_OAUTH_SCOPES). */
  scopes: string;
  /** Host of the chooselocation page (GHL_MARKETPLACE_URL). */
  marketplaceUrl: string;
  /** GHL API root for the code exchange (GHL_BASE_URL). */
  baseUrl: string;
  /** How long an install link's state is accepted, in s (OAUTH_INSTALL_STATE_TTL_S). */
  stateTtlS: number;
  /** Timeout of the code exchange, in ms (GHL_TIMEOUT_MS). */
  timeoutMs: number;
  /** A sub-account install's first run is ended `timed_out` after this many ms. */
  runDeadlineMs: number;
}

/** Options of {@link registerOAuthInstallRoutes}. */
export interface OAuthInstallRoutesOptions extends OAuthInstallSettings {
  db: Db;
  queues: Queues;
  /** Seals the tokens the callback stores (TOKEN_ENCRYPTION_KEY); without it the routes answer 503. */
  tokens?: TokenCipher | undefined;
}

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(reply: FastifyReply, status: number, title: string, body: string): FastifyReply {
  return reply
    .code(status)
    .header('Cache-Control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(
      `<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)}</title></head><body><h1>${escape(title)}</h1>${body}</body></html>`,
    );
}

function readCookie(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The marketplace install flow (ghl-api.md §5.1–5.2), open to browsers (no admin credential; the
 * `state` protects it):
 * - `GET /oauth/install[?userType=Company|Location]` makes a single-use `state` (32 random bytes,
 *   only its hash stored, valid `stateTtlS`), sets it in an HttpOnly cookie of this browser and
 *   redirects (302) to GHL's chooselocation page with the client id, scopes, redirect URI and state.
 *   `Company` (default) installs for an agency; `Location` for one sub-account.
 * - `GET /oauth/callback?code&state` accepts the callback only when `state` equals the cookie and
 *   is consumed here, unexpired, for the first time (no CSRF, no replay; 400 `oauth_state_invalid`
 *   otherwise, nothing exchanged). Then it exchanges the code (`grant_type=authorization_code`,
 *   `user_type` of the install). A Company token is stored as the agency's credential and a
 *   reconcile job registers every location it covers with a minted token and its first sync; a
 *   Location token registers the location with its pair and starts its first sync.
 * Codes, states and tokens never reach a log line (the request serializer drops query strings).
 */
export function registerOAuthInstallRoutes(app: FastifyInstance, options: OAuthInstallRoutesOptions): void {
  const missing = (): string[] => [
    ...(options.clientId ? [] : ['GHL_OAUTH_CLIENT_ID']),
    ...(options.clientSecret ? [] : ['GHL_OAUTH_CLIENT_SECRET']),
    ...(options.redirectUri ? [] : ['GHL_OAUTH_REDIRECT_URI']),
    ...(options.tokens ? [] : ['TOKEN_ENCRYPTION_KEY']),
  ];
  const notConfigured = (reply: FastifyReply, names: string[]) =>
    page(
      reply,
      503,
      'Installs are not configured',
      `<p>Set ${names.map(escape).join(', ')} on the API (README, "Onboard an agency").</p>`,
    );
  const refuse = (request: FastifyRequest, reply: FastifyReply, status: number, code: ErrorCode, why: string) => {
    request.log.warn({ code, status }, `install callback refused: ${why}`);
    return page(
      reply,
      status,
      'Install not completed',
      `<p>${escape(why)}</p><p><a href="${INSTALL_PATH}">Start the install again</a>.</p><p>Code: ${code}</p>`,
    );
  };
  const secureCookie = () => options.redirectUri?.startsWith('https:') ?? false;

  app.get(INSTALL_PATH, { config: PUBLIC_ROUTE }, async (request, reply) => {
    const names = missing();
    if (names.length > 0) return notConfigured(reply, names);
    const asked = (request.query as Record<string, unknown>)['userType'];
    const userType = asked === 'Location' ? 'Location' : 'Company';
    const state = randomBytes(32).toString('base64url');
    await createInstallState(options.db, state, userType, options.stateTtlS * 1000);
    const target = new URL('/oauth/chooselocation', options.marketplaceUrl);
    target.search = new URLSearchParams({
      response_type: 'code',
      redirect_uri: options.redirectUri!,
      client_id: options.clientId!,
      scope: options.scopes,
      state,
    }).toString();
    reply.header(
      'Set-Cookie',
      `${STATE_COOKIE}=${state}; Path=/oauth; Max-Age=${options.stateTtlS}; HttpOnly; SameSite=Lax${secureCookie() ? '; Secure' : ''}`,
    );
    request.log.info({ userType }, 'install started: browser sent to the marketplace');
    return reply.header('Cache-Control', 'no-store').redirect(target.toString(), 302);
  });

  app.get(CALLBACK_PATH, { config: PUBLIC_ROUTE }, async (request, reply) => {
    const names = missing();
    if (names.length > 0) return notConfigured(reply, names);
    // The cookie has done its job whatever happens next.
    reply.header('Set-Cookie', `${STATE_COOKIE}=; Path=/oauth; Max-Age=0; HttpOnly; SameSite=Lax`);
    const query = request.query as Record<string, unknown>;
    const code = typeof query['code'] === 'string' ? query['code'] : '';
    const state = typeof query['state'] === 'string' ? query['state'] : '';
    const cookie = readCookie(request, STATE_COOKIE) ?? '';
    if (!state || !cookie || !sameSecret(state, cookie))
      return refuse(
        request,
        reply,
        400,
        'oauth_state_invalid',
        'This callback does not belong to an install started from this browser.',
      );
    const started = await consumeInstallState(options.db, state);
    if (!started)
      return refuse(request, reply, 400, 'oauth_state_invalid', 'This install link was already used or has expired.');
    if (!code) return refuse(request, reply, 400, 'oauth_code_refused', 'GHL sent no authorization code.');

    let answer: OAuthTokenAnswer;
    try {
      answer = await exchangeAuthorizationCode({
        baseUrl: options.baseUrl,
        clientId: options.clientId!,
        clientSecret: options.clientSecret!,
        code,
        userType: started.userType,
        redirectUri: options.redirectUri!,
        timeoutMs: options.timeoutMs,
      });
    } catch (err) {
      if (isGhlSyncError(err, 'oauth_client_invalid') || isGhlSyncError(err, 'oauth_code_refused'))
        return refuse(request, reply, 400, err.code, err.message);
      const errorCode = isGhlSyncError(err) ? err.code : 'internal_error';
      request.log.error({ code: errorCode }, 'install callback: the code exchange failed');
      return page(
        reply,
        502,
        'Install not completed',
        `<p>GHL did not complete the code exchange (${escape(errorCode)}). <a href="${INSTALL_PATH}">Start again</a>.</p>`,
      );
    }

    if (answer.userType === 'Company' || (!answer.locationId && answer.companyId)) {
      if (!answer.companyId)
        return refuse(request, reply, 502, 'ghl_invalid_response', 'GHL answered a Company token without companyId.');
      await upsertAgency(
        options.db,
        {
          id: answer.companyId,
          accessToken: answer.accessToken,
          refreshToken: answer.refreshToken,
          expiresAt: new Date(Date.now() + answer.expiresInSec * 1000),
        },
        options.tokens!,
      );
      await options.queues.enqueueAgencyReconcile(answer.companyId);
      const approved = answer.approvedLocations?.length;
      request.log.info({ agencyId: answer.companyId, approved }, 'agency installed: reconcile enqueued');
      return page(
        reply,
        200,
        'Agency connected',
        `<p id="agency" data-agency-id="${escape(answer.companyId)}">Agency ${escape(answer.companyId)} is connected.</p>` +
          `<p>${approved === undefined ? 'Its locations' : `Its ${approved} approved location(s)`} are being registered and synced; see <code>ghl-sync locations list</code>.</p>`,
      );
    }
    if (!answer.locationId)
      return refuse(request, reply, 502, 'ghl_invalid_response', 'GHL answered a Location token without locationId.');
    await registerLocationInstall(
      {
        db: options.db,
        queues: options.queues,
        tokens: options.tokens!,
        logger: request.log,
        runDeadlineMs: options.runDeadlineMs,
      },
      {
        locationId: answer.locationId,
        accessToken: answer.accessToken,
        refreshToken: answer.refreshToken,
        expiresInSec: answer.expiresInSec,
      },
    );
    request.log.info({ locationId: answer.locationId }, 'location installed: registered, first sync started');
    return page(
      reply,
      200,
      'Location connected',
      `<p id="location" data-location-id="${escape(answer.locationId)}">Location ${escape(answer.locationId)} is connected; its first sync has started.</p>`,
    );
  });
}

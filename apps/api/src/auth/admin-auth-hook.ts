import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errorResponse } from '../http/error-response.js';
import type { AdminCredential } from './admin-credential.js';
import { AUTH_REALM, DASHBOARD_PREFIX, type RouteAccessConfig } from './route-access.js';

/** How many failed authentications one client address may make per window before it is refused. */
export interface AuthFailureLimit {
  /** Failed attempts allowed per window and client address. @defaultValue 10 */
  max: number;
  /** Length of the window, in ms. @defaultValue 60_000 */
  windowMs: number;
}

/** What the hook needs from `@fastify/rate-limit`'s `createRateLimit()` checker. */
type FailureCounter = (
  request: FastifyRequest,
  options?: { increment?: boolean },
) => Promise<{ isAllowed: boolean; isExceeded?: boolean; ttl?: number }>;

/**
 * Adds the `onRequest` hook that guards every route not marked public, unknown routes included
 * (a 401 reveals less than a 404). The API takes a bearer token; the dashboard also takes Basic
 * so a browser can log in through its own prompt, which the `WWW-Authenticate` challenge triggers.
 *
 * Failed authentications are counted per client address (`@fastify/rate-limit`, in memory): past
 * `limit.max` failures in `limit.windowMs`, every request from that address that needs the
 * credential answers 429 `too_many_auth_failures` until the window ends, right token or not, so
 * the token cannot be guessed by volume. Public routes (health, readiness, metrics, webhooks) are
 * never counted nor refused. Requires `@fastify/rate-limit` registered on `app` (`global: false`).
 */
export function installAdminAuth(app: FastifyInstance, credential: AdminCredential, limit: AuthFailureLimit): void {
  const failures = (
    app as unknown as { createRateLimit(o: { max: number; timeWindow: number }): FailureCounter }
  ).createRateLimit({ max: limit.max, timeWindow: limit.windowMs });

  app.addHook('onRequest', async (request, reply) => {
    const access = request.routeOptions.config as RouteAccessConfig | undefined;
    if (access?.public === true) return;
    const refused = (ttl: number | undefined) => {
      const retryAfterMs = Math.max(0, ttl ?? limit.windowMs);
      reply.header('Retry-After', String(Math.ceil(retryAfterMs / 1000)));
      return errorResponse(
        reply,
        429,
        'too_many_auth_failures',
        `Too many failed authentications from this address; try again in ${Math.ceil(retryAfterMs / 1000)} s`,
        { details: { retryAfterMs } },
      );
    };
    const status = await failures(request, { increment: false });
    if (status.isExceeded) return refused(status.ttl);

    const path = request.url.split('?')[0] ?? '';
    const dashboard = path === DASHBOARD_PREFIX || path.startsWith(`${DASHBOARD_PREFIX}/`);
    if (credential.verifyHeader(request.headers.authorization, dashboard ? ['bearer', 'basic'] : ['bearer'])) return;
    // Only a presented, wrong credential counts: a browser's first unauthenticated request (which
    // triggers its login prompt) is not a guess.
    if (request.headers.authorization) {
      const counted = await failures(request);
      if (counted.isExceeded) return refused(counted.ttl);
    }
    reply.header(
      'WWW-Authenticate',
      dashboard ? `Basic realm="${AUTH_REALM}", charset="UTF-8"` : `Bearer realm="${AUTH_REALM}"`,
    );
    const message = request.headers.authorization ? 'The admin credential is wrong' : 'The admin credential is missing';
    return errorResponse(
      reply,
      401,
      'unauthorized',
      dashboard
        ? `${message}; log in with any user name and the admin token as password`
        : `${message}; send Authorization: Bearer <ADMIN_TOKEN>`,
    );
  });
}

import type { FastifyInstance } from 'fastify';
import { errorResponse } from '../http/error-response.js';
import type { AdminCredential } from './admin-credential.js';
import { AUTH_REALM, DASHBOARD_PREFIX, type RouteAccessConfig } from './route-access.js';

/**
 * Adds the `onRequest` hook that guards every route not marked public, unknown routes included
 * (a 401 reveals less than a 404). The API takes a bearer token; the dashboard also takes Basic
 * so a browser can log in through its own prompt, which the `WWW-Authenticate` challenge triggers.
 */
export function installAdminAuth(app: FastifyInstance, credential: AdminCredential): void {
  app.addHook('onRequest', async (request, reply) => {
    const access = request.routeOptions.config as RouteAccessConfig | undefined;
    if (access?.public === true) return;
    const path = request.url.split('?')[0] ?? '';
    const dashboard = path === DASHBOARD_PREFIX || path.startsWith(`${DASHBOARD_PREFIX}/`);
    if (credential.verifyHeader(request.headers.authorization, dashboard ? ['bearer', 'basic'] : ['bearer'])) return;
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

import helmet from '@fastify/helmet';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { createAdminCredential } from './auth/admin-credential.js';
import { installAdminAuth } from './auth/admin-auth-hook.js';
import { requireAdminToken } from './auth/require-admin-token.js';
import { DASHBOARD_PREFIX } from './auth/route-access.js';
import type { CreateApiOptions } from './create-api-options.js';
import { registerDashboard } from './dashboard/register-dashboard.js';
import { installErrorHandlers } from './http/error-handler.js';
import { serializeReply, serializeRequest } from './http/log-serializers.js';
import { trackRoutes } from './route-catalog.js';
import { registerHealthRoutes } from './routes/health.routes.js';
import { registerLocationRoutes } from './routes/locations.routes.js';
import { registerMetricsRoute } from './routes/metrics.route.js';
import { registerOAuthInstallRoutes } from './routes/oauth-install.routes.js';
import { registerOpenApiRoute } from './routes/openapi.route.js';
import { registerSyncRoutes } from './routes/syncs.routes.js';
import { registerWebhookRoutes, webhookIntakeSettings } from './routes/webhooks.routes.js';

/**
 * Builds the admin API (routes, auth, Bull Board) without listening; `startApi` or a test's
 * `app.inject` drives it. The caller owns and closes `db` and `queues`; `app.close()` closes only HTTP.
 *
 * @returns the fastify app, ready (plugins loaded).
 * @throws GhlSyncError `config_invalid` when `adminToken` is missing or blank: the API never runs open.
 */
export async function createApi(options: CreateApiOptions): Promise<FastifyInstance> {
  const adminToken = requireAdminToken(options.adminToken);

  // The request/response serializers are the whole story of what HTTP logging may print:
  // never headers, so the credential cannot reach a log line whatever the redact paths say.
  const httpLogger = options.logger.child(
    { component: 'http' },
    { serializers: { req: serializeRequest, res: serializeReply } },
  );
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const app = Fastify({
    loggerInstance: httpLogger as FastifyBaseLogger,
    bodyLimit: 64 * 1024,
    requestTimeout: requestTimeoutMs,
    // Node enforces requestTimeout only through these server options: fastify sets requestTimeout
    // after the server is built, leaving headersTimeout at 60 s, and when headersTimeout exceeds
    // requestTimeout Node swaps the two, so a body trickled a byte at a time was never cut off.
    // Node checks open requests every connectionsCheckingInterval (30 s by default): a shorter
    // check ends a slow request within about a second of its limit.
    http: {
      requestTimeout: requestTimeoutMs,
      headersTimeout: Math.min(60_000, requestTimeoutMs),
      connectionsCheckingInterval: Math.min(1_000, requestTimeoutMs),
    },
  }) as unknown as FastifyInstance;

  // First, so that its hooks wrap every route and plugin registered after it.
  if (options.tracing) await app.register(requestTracing().plugin());
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        // The dashboard is never framed (clickjacking); plain HTTP on 127.0.0.1 must keep working,
        // so requests are not upgraded to HTTPS.
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
  });
  // Admin answers (runs, locations, the dashboard's jobs and their data) are never kept by a
  // browser or a proxy.
  app.addHook('onSend', async (request, reply) => {
    if (request.url.startsWith('/api/') || request.url.startsWith(`${DASHBOARD_PREFIX}/api/`))
      reply.header('Cache-Control', 'no-store');
  });

  trackRoutes(app);
  installErrorHandlers(app);
  // Only the admin-auth hook uses it (failed authentications per address): no route is limited globally.
  await app.register(rateLimit, { global: false });
  installAdminAuth(app, createAdminCredential(adminToken), {
    max: options.authFailureLimit?.max ?? 10,
    windowMs: options.authFailureLimit?.windowMs ?? 60_000,
  });

  registerHealthRoutes(app, {
    db: options.db,
    redis: options.redis,
    timeoutMs: options.readinessTimeoutMs ?? 2_000,
    logger: httpLogger,
  });
  registerMetricsRoute(app, options.metrics, options.metricsToken);
  registerOpenApiRoute(app);
  registerSyncRoutes(app, {
    db: options.db,
    queues: options.queues,
    runDeadlineMinutes: options.runDeadlineMinutes ?? 60,
  });
  registerLocationRoutes(app, {
    db: options.db,
    queues: options.queues,
    webhookScheduleCron: options.webhookScheduleCron ?? '0 */6 * * *',
  });
  // Open to GHL: the signature authenticates a delivery, never the admin credential.
  registerWebhookRoutes(app, {
    db: options.db,
    queues: options.queues,
    ...webhookIntakeSettings(options.webhooks),
    onEvent: (type, outcome) => options.metrics.webhookEvents?.inc({ type, outcome }),
    appId: options.oauth?.appId,
  });
  // Open to browsers: the install's `state` (bound to this browser, single use) protects the callback.
  registerOAuthInstallRoutes(app, {
    db: options.db,
    queues: options.queues,
    tokens: options.tokens,
    clientId: options.oauth?.clientId,
    clientSecret: options.oauth?.clientSecret,
    redirectUri: options.oauth?.redirectUri,
    scopes: options.oauth?.scopes ?? 'opportunities.readonly locations.readonly oauth.readonly oauth.write',
    marketplaceUrl: options.oauth?.marketplaceUrl ?? 'https://marketplace.gohighlevel.com',
    baseUrl: options.oauth?.baseUrl ?? 'https://services.leadconnectorhq.com',
    stateTtlS: options.oauth?.stateTtlS ?? 600,
    timeoutMs: options.oauth?.timeoutMs ?? 30_000,
    runDeadlineMs: (options.runDeadlineMinutes ?? 60) * 60_000,
  });
  await registerDashboard(app, { queues: options.queues.all(), readOnly: options.dashboardReadOnly ?? true });

  await app.ready();
  return app;
}

/** Paths never traced: probes and scrapes would drown the requests that matter. */
const UNTRACED_PATHS = new Set(['/health', '/ready', '/metrics']);

/** The Fastify instrumentation; its spans go to the global tracer provider, no module patching needed. */
function requestTracing(): FastifyOtelInstrumentation {
  return new FastifyOtelInstrumentation({
    ignorePaths: ({ url }) => UNTRACED_PATHS.has(url),
  });
}

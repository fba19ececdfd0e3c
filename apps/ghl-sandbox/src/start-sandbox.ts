import Fastify from 'fastify';
import { createSandboxAdmin, type SandboxAdmin } from './admin/sandbox-admin.js';
import { setRateLimitHeaders } from './http/rate-limit-headers.js';
import type { ServerContext } from './http/server-context.js';
import { withTraceId } from './http/trace-id.js';
import { registerAdminRoutes } from './routes/admin.routes.js';
import { registerGetOpportunityRoute } from './routes/get-opportunity.route.js';
import { registerOAuthChooseLocationRoute } from './routes/oauth-chooselocation.route.js';
import { registerOAuthInstalledLocationsRoute } from './routes/oauth-installed-locations.route.js';
import { registerOAuthLocationTokenRoute } from './routes/oauth-location-token.route.js';
import { registerOAuthReconnectRoute } from './routes/oauth-reconnect.route.js';
import { registerOAuthTokenRoute } from './routes/oauth-token.route.js';
import { registerPipelinesRoute } from './routes/pipelines.route.js';
import { registerSearchOpportunitiesRoute } from './routes/search-opportunities.route.js';
import type { SandboxLocationSpec, SandboxLogger, SandboxOptions } from './sandbox-options.js';
import { SandboxState } from './sandbox-state.js';
import { ALNUM, hash32, Prng } from './data/prng.js';

/** A running sandbox. */
export interface Sandbox {
  /** Base URL, e.g. `http://127.0.0.1:43211` (no trailing slash). */
  url: string;
  port: number;
  /** Bearer token of the `/_sandbox/` admin surface. */
  adminToken: string;
  /** The default agency (company) every start-up location belongs to. */
  companyId: string;
  /** Marketplace app id (`GET /oauth/installedLocations?appId=`). */
  appId: string;
  /** Locations created at start, with their PIT tokens (`pit-<uuid>`, derived from the seed). */
  locations: Array<{ id: string; token: string; name: string }>;
  /** In-process admin handle, same operations as the HTTP admin surface. */
  admin: SandboxAdmin;
  /** Stops listening, drops open and held connections. Idempotent. */
  close(): Promise<void>;
}

const SILENT: SandboxLogger = { info() {}, warn() {}, error() {}, debug() {} };

function locationSpecs(options: SandboxOptions): SandboxLocationSpec[] {
  const locations = options.locations ?? 1;
  if (Array.isArray(locations)) return locations;
  const perLocation = options.opportunitiesPerLocation ?? 100;
  return Array.from({ length: locations }, () => ({ opportunities: perLocation }));
}

/** Builds and starts a sandbox. Data is generated lazily, so start-up is instant at any size. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const state = new SandboxState({
    seed: options.seed ?? 1,
    rateLimitMax: options.rateLimitMax ?? 100,
    rateLimitIntervalMs: options.rateLimitIntervalMs ?? 10_000,
    dailyLimit: options.dailyLimit ?? 200_000,
    adminToken: options.adminToken ?? 'sandbox-admin',
    oauthClient: options.oauthClient ?? { clientId: 'sandbox-client', clientSecret: 'sandbox-secret' },
    appId: options.appId ?? 'sandbox-app',
    companyId: options.companyId ?? new Prng(hash32(options.seed ?? 1, 0xc0)).chars(20, ALNUM),
    webhookRsaModulusLength: options.webhookRsaModulusLength ?? 4096,
    logger: options.logger ?? SILENT,
  });
  for (const spec of locationSpecs(options)) state.createLocation(spec);
  if (options.webhooks !== undefined) state.webhooks.setSettings(options.webhooks);
  const admin = createSandboxAdmin(state);
  const ctx: ServerContext = { state, hangs: new Set() };

  const app = Fastify({ logger: false, forceCloseConnections: true });
  // Accept empty JSON bodies on admin POSTs (fastify rejects them by default).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, body === '' ? undefined : JSON.parse(body as string));
    } catch (error) {
      (error as { statusCode?: number }).statusCode = 400;
      done(error as Error, undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  registerSearchOpportunitiesRoute(app, ctx);
  registerPipelinesRoute(app, ctx);
  registerGetOpportunityRoute(app, ctx);
  registerOAuthTokenRoute(app, ctx);
  registerOAuthReconnectRoute(app, ctx);
  registerOAuthLocationTokenRoute(app, ctx);
  registerOAuthInstalledLocationsRoute(app, ctx);
  registerOAuthChooseLocationRoute(app, ctx);
  registerAdminRoutes(app, admin, state.config.adminToken);
  // NestJS's default 404 wording (our inference for GHL); endpoints outside the simulated set land here.
  app.setNotFoundHandler((request, reply) => {
    setRateLimitHeaders(reply, state.config, undefined, Date.now());
    return reply.code(404).send(
      withTraceId({
        statusCode: 404,
        message: `Cannot ${request.method} ${request.url.split('?')[0] ?? ''}`,
        error: 'Not Found',
      }),
    );
  });

  await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('sandbox did not bind a TCP port');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  state.config.logger.info({ url, locations: state.locations.size }, 'ghl sandbox listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port: address.port,
    adminToken: state.config.adminToken,
    companyId: state.config.companyId,
    appId: state.config.appId,
    locations: [...state.locations.values()].map((l) => ({ id: l.id, token: l.token, name: l.name })),
    admin,
    close() {
      closing ??= (async () => {
        for (const held of ctx.hangs) {
          clearTimeout(held.timer);
          held.socket.destroy();
        }
        ctx.hangs.clear();
        state.webhooks.close();
        await app.close();
        state.config.logger.info({ url }, 'ghl sandbox closed');
      })();
      return closing;
    },
  };
}

import type { AddressInfo } from 'node:net';
import type { Config } from '@ghl-sync/config';
import { countRunsByStatus, createDb } from '@ghl-sync/db';
import type { Logger } from '@ghl-sync/logger';
import { createMetrics } from '@ghl-sync/metrics';
import {
  checkRedisAnswers,
  createQueueTelemetry,
  createQueues,
  createRedisConnection,
  redisTargetOf,
} from '@ghl-sync/queues';
import { GHL_WEBHOOK_RSA_PUBLIC_KEY_PEM } from '@ghl-sync/webhooks';
import { requireTokenCipher } from '@ghl-sync/secrets';
import { requireAdminToken } from './auth/require-admin-token.js';
import { createApi } from './create-api.js';
import { createDependencyErrorReporter, createShutdownRegistry, type ShutdownRegistry } from '@ghl-sync/lifecycle';
import type { RunningApi, StartApiOptions } from './start-api-options.js';

/** The config keys the API reads. */
export type ApiConfig = Pick<
  Config,
  | 'ADMIN_TOKEN'
  | 'ADMIN_AUTH_MAX_FAILURES'
  | 'API_PORT'
  | 'API_HOST'
  | 'API_REQUEST_TIMEOUT_MS'
  | 'METRICS_TOKEN'
  | 'DATABASE_URL'
  | 'DATABASE_POOL_MAX'
  | 'REDIS_URL'
  | 'REDIS_CLUSTER_NODES'
  | 'QUEUE_PREFIX'
  | 'RUN_DEADLINE_MINUTES'
  | 'GHL_WEBHOOK_ED25519_PUBLIC_KEY'
  | 'GHL_WEBHOOK_RSA_PUBLIC_KEY'
  | 'GHL_WEBHOOK_ACCEPT_LEGACY_SIGNATURE'
  | 'WEBHOOK_MAX_AGE_S'
  | 'WEBHOOK_BODY_LIMIT_BYTES'
  | 'WEBHOOK_DEBOUNCE_MS'
  | 'WEBHOOK_SCHEDULE_CRON'
  | 'OTEL_EXPORTER_OTLP_ENDPOINT'
  | 'GHL_BASE_URL'
  | 'GHL_TIMEOUT_MS'
  | 'GHL_OAUTH_CLIENT_ID'
  | 'GHL_OAUTH_CLIENT_SECRET'
  | 'GHL_OAUTH_APP_ID'
  | 'GHL_OAUTH_REDIRECT_URI'
  | 'GHL_OAUTH_SCOPES'
  | 'GHL_MARKETPLACE_URL'
  | 'OAUTH_INSTALL_STATE_TTL_S'
  | 'TOKEN_ENCRYPTION_KEY'
  | 'TOKEN_ENCRYPTION_PREVIOUS_KEYS'
>;

/**
 * Opens Postgres, Redis and the queues, builds the API and listens on `API_HOST`:`API_PORT`. Each resource is
 * registered in `registry` as it opens, so shutdown (or a failed start) closes them in reverse:
 * HTTP, queues, Redis, Postgres.
 * @returns the running API; its `close()` closes the registry.
 * @throws GhlSyncError `config_invalid` when `ADMIN_TOKEN` is missing or short, before any connection
 *   is opened; `db_error` (with `pgCode`) when Postgres or its ghl schema cannot be read, `redis_error`
 *   when Redis does not answer, after closing what was opened.
 */
export async function startApi(
  config: ApiConfig,
  logger: Logger,
  options: StartApiOptions = {},
  registry: ShutdownRegistry = createShutdownRegistry(),
): Promise<RunningApi> {
  const adminToken = requireAdminToken(config.ADMIN_TOKEN);
  // Built first, so that every connection below reports its errors from the start.
  const metrics = createMetrics({
    service: 'api',
    queues: () => queues.all(),
    countRunsByStatus: () => countRunsByStatus(db),
  });
  const reportDependencyError = createDependencyErrorReporter({ logger, counter: metrics.dependencyErrors });
  const db = createDb({
    connectionString: config.DATABASE_URL,
    max: config.DATABASE_POOL_MAX,
    applicationName: 'ghl-sync-api',
    logger: logger.child({ component: 'db' }),
    onConnectionError: (err, state) => reportDependencyError('postgres', `${state}_client`, err, { logged: true }),
  });
  registry.register('postgres', () => db.close());
  const redis = createRedisConnection(redisTargetOf(config), 'producer');
  redis.on('error', (err) => reportDependencyError('redis', 'connection', err));
  registry.register('redis', () => redis.quit().catch(() => redis.disconnect()));
  const queues = createQueues({
    connection: redis,
    prefix: config.QUEUE_PREFIX,
    // A run started by a request is traced under it, through every job of the run.
    telemetry: config.OTEL_EXPORTER_OTLP_ENDPOINT ? createQueueTelemetry() : undefined,
    onError: (source, err) => reportDependencyError('redis', source === 'flow' ? 'flow' : 'queue', err),
  });
  registry.register('queues', () => queues.close());
  const close = () => registry.closeAll({ logger });

  const host = options.host ?? config.API_HOST;
  let app: Awaited<ReturnType<typeof createApi>>;
  try {
    // Like a worker, an API that cannot reach Postgres (with the ghl schema) or Redis at start dies
    // with one line and exit 1, rather than serving 503s nobody restarts it out of.
    await countRunsByStatus(db);
    await checkRedisAnswers(redis);
    app = await createApi({
      adminToken,
      authFailureLimit: { max: config.ADMIN_AUTH_MAX_FAILURES, windowMs: 60_000 },
      metricsToken: config.METRICS_TOKEN,
      requestTimeoutMs: config.API_REQUEST_TIMEOUT_MS,
      logger,
      db,
      queues,
      redis,
      metrics,
      runDeadlineMinutes: config.RUN_DEADLINE_MINUTES,
      webhookScheduleCron: config.WEBHOOK_SCHEDULE_CRON,
      tracing: config.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined,
      // Only install callbacks store tokens: an API without the key serves everything else.
      tokens: config.TOKEN_ENCRYPTION_KEY ? requireTokenCipher(config) : undefined,
      oauth: {
        clientId: config.GHL_OAUTH_CLIENT_ID,
        clientSecret: config.GHL_OAUTH_CLIENT_SECRET,
        appId: config.GHL_OAUTH_APP_ID,
        redirectUri: config.GHL_OAUTH_REDIRECT_URI,
        scopes: config.GHL_OAUTH_SCOPES,
        marketplaceUrl: config.GHL_MARKETPLACE_URL,
        baseUrl: config.GHL_BASE_URL,
        stateTtlS: config.OAUTH_INSTALL_STATE_TTL_S,
        timeoutMs: config.GHL_TIMEOUT_MS,
      },
      webhooks: {
        keys: {
          ...(config.GHL_WEBHOOK_ED25519_PUBLIC_KEY && { ed25519PublicKeyPem: config.GHL_WEBHOOK_ED25519_PUBLIC_KEY }),
          rsaPublicKeyPem: config.GHL_WEBHOOK_RSA_PUBLIC_KEY ?? GHL_WEBHOOK_RSA_PUBLIC_KEY_PEM,
          acceptLegacy: config.GHL_WEBHOOK_ACCEPT_LEGACY_SIGNATURE,
        },
        maxAgeS: config.WEBHOOK_MAX_AGE_S,
        bodyLimitBytes: config.WEBHOOK_BODY_LIMIT_BYTES,
        debounceMs: config.WEBHOOK_DEBOUNCE_MS,
      },
    });
    registry.register('http', () => app.close());
    await app.listen({ port: config.API_PORT, host });
    // After listen, an `error` on the server (a failed accept: EMFILE) would crash the process.
    app.server.on('error', (err) => reportDependencyError('http', 'server', err));
  } catch (err) {
    await close();
    throw err;
  }
  const port = (app.server.address() as AddressInfo).port;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  logger.info({ url, dashboard: `${url}/admin/queues` }, 'admin API listening');
  return { app, url, port, registry, close };
}

import { getHeapStatistics } from 'node:v8';
import type { Config } from '@ghl-sync/config';
import { countRunsByStatus, createDb } from '@ghl-sync/db';
import {
  createDependencyErrorReporter,
  createShutdownRegistry,
  type ReportDependencyError,
  type ShutdownRegistry,
} from '@ghl-sync/lifecycle';
import type { Logger } from '@ghl-sync/logger';
import type { GhlRequestEvent } from '@ghl-sync/ghl-client';
import type { Telemetry } from 'bullmq';
import { answersWithin, createMetrics, startMetricsServer, type SyncMetrics } from '@ghl-sync/metrics';
import {
  checkRedisAnswers,
  QUEUES,
  createQueues,
  createQueueTelemetry,
  createRedisConnection,
  createWorkers,
  redisTargetOf,
  type RedisClient,
  type Queues,
  type Workers,
} from '@ghl-sync/queues';
import { createRateLimiter } from '@ghl-sync/rate-limiter';
import {
  createAgencyTokens,
  createClientFactory,
  createOAuthTokenProvider,
  reconcileAgency,
  reconcileSchedules,
  recoverRuns,
  validateSchedule,
  type AgencyTokens,
  type SyncDeps,
} from '@ghl-sync/sync';
import { requireTokenCipher, type TokenCipher } from '@ghl-sync/secrets';
import { createSyncHandlers } from './sync-handlers.js';

/** A started worker: its workers and what it holds open. */
export interface RunningWorker {
  workers: Workers;
  /** Everything this worker opened, closed in reverse order (workers first, Postgres last). */
  registry: ShutdownRegistry;
  /** Port of this process's `/metrics`. */
  metricsPort: number;
  /** Closes the registry (idempotent). */
  close(): Promise<boolean>;
}

/** Everything a worker process builds from config, before any worker starts. */
export interface SyncRuntime {
  deps: SyncDeps;
  metrics: SyncMetrics;
  queues: Queues;
  /** BullMQ's tracing when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, shared by the queues and the workers. */
  telemetry: Telemetry | undefined;
  /** Where the runtime registered what it opened (queues, Redis, Postgres). */
  registry: ShutdownRegistry;
  /** The worker-role Redis connection BullMQ workers use (blocking calls wait across reconnects). */
  workerConnection: RedisClient;
  /**
   * The producer-role connection queues, the rate limiter and OAuth use: a command fails fast while
   * Redis is down, failing the job attempt instead of hanging it. Its `ready` event marks a Redis (re)connect.
   */
  producerConnection: RedisClient;
  /** Logs and counts a dependency's connection-level `error` event (`ghl_sync_dependency_errors_total`). */
  reportDependencyError: ReportDependencyError;
  /** Seals and opens stored tokens (`TOKEN_ENCRYPTION_KEY`). */
  tokens: TokenCipher;
  /** Company tokens of agencies and the location tokens minted from them; undefined without the OAuth app. */
  agencyTokens?: AgencyTokens;
}

/**
 * Builds the sync dependencies of one process from config: Postgres pool, Redis connections, the
 * shared rate limiter, GHL clients (PIT or OAuth), metrics hooks. Tests use it to run processors
 * directly with exactly what a worker process has.
 */
export function createSyncRuntime(
  config: Config,
  logger: Logger,
  registry: ShutdownRegistry = createShutdownRegistry(),
): SyncRuntime {
  // Before anything opens: a worker without the token key could not use one stored token.
  const tokens = requireTokenCipher(config);
  // Built first, so that every connection below reports its errors from the start.
  const metrics = createMetrics({ service: 'worker', queues: () => queues.all() });
  const reportDependencyError = createDependencyErrorReporter({ logger, counter: metrics.dependencyErrors });
  const db = createDb({
    connectionString: config.DATABASE_URL,
    max: config.DATABASE_POOL_MAX,
    applicationName: 'ghl-sync-worker',
    logger: logger.child({ component: 'db' }),
    onConnectionError: (err, state) => reportDependencyError('postgres', `${state}_client`, err, { logged: true }),
  });
  registry.register('postgres', () => db.close());
  const workerConnection = createRedisConnection(redisTargetOf(config), 'worker');
  const producerConnection = createRedisConnection(redisTargetOf(config), 'producer');
  for (const c of [workerConnection, producerConnection])
    c.on('error', (err) => reportDependencyError('redis', 'connection', err));
  registry.register('redis', async () => {
    await Promise.allSettled([workerConnection.quit(), producerConnection.quit()]);
  });
  // One instance for the producer and the worker side: jobs carry the trace of what added them.
  const telemetry = config.OTEL_EXPORTER_OTLP_ENDPOINT ? createQueueTelemetry() : undefined;
  const queues = createQueues({
    connection: producerConnection,
    prefix: config.QUEUE_PREFIX,
    telemetry,
    onError: (source, err) => reportDependencyError('redis', source === 'flow' ? 'flow' : 'queue', err),
  });
  registry.register('queues', () => queues.close());
  const limiter = createRateLimiter({
    onWait: (_locationId, waitMs) => metrics.rateLimitWaitSeconds.inc(waitMs / 1000),
    logger: logger.child({ component: 'rate-limiter' }),
    redis: producerConnection,
    prefix: config.QUEUE_PREFIX,
    maxRequests: config.RATE_LIMIT_MAX,
    intervalMs: config.RATE_LIMIT_INTERVAL_MS,
    safetyMargin: config.RATE_LIMIT_SAFETY_MARGIN,
    dailyLimit: config.RATE_LIMIT_DAILY,
    recordShare: config.RECORD_BUDGET_SHARE,
  });
  const onGhlRequest = (event: GhlRequestEvent): void => {
    metrics.ghlRequests.inc({ endpoint: event.endpoint, status: String(event.status) });
    metrics.ghlRequestDuration.observe({ endpoint: event.endpoint }, event.durationMs / 1000);
  };
  const agencyTokens =
    config.GHL_OAUTH_CLIENT_ID && config.GHL_OAUTH_CLIENT_SECRET
      ? createAgencyTokens({
          db,
          tokens,
          redis: producerConnection,
          prefix: config.QUEUE_PREFIX,
          clientId: config.GHL_OAUTH_CLIENT_ID,
          clientSecret: config.GHL_OAUTH_CLIENT_SECRET,
          baseUrl: config.GHL_BASE_URL,
          timeoutMs: config.GHL_TIMEOUT_MS,
          onEvent: (kind) => metrics.oauthTokenEvents.inc({ kind }),
          onRequest: onGhlRequest,
          logger,
        })
      : undefined;
  const deps: SyncDeps = {
    db,
    queues,
    logger,
    pageSize: config.GHL_PAGE_SIZE,
    runDeadlineMs: config.RUN_DEADLINE_MINUTES * 60_000,
    sweep: {
      maxDeleteRatio: config.SWEEP_MAX_DELETE_RATIO,
      totalTolerance: config.SWEEP_TOTAL_TOLERANCE,
      totalToleranceAbs: config.SWEEP_TOTAL_TOLERANCE_ABS,
      verifyMax: sweepVerifyMax(config),
      verifyConcurrency: config.SWEEP_VERIFY_CONCURRENCY,
    },
    listing: {
      requestsPerSecond:
        (config.RATE_LIMIT_MAX * (1 - config.RATE_LIMIT_SAFETY_MARGIN) * 1000) / config.RATE_LIMIT_INTERVAL_MS,
      minChains: config.LISTING_MIN_CHAINS,
      maxChains: config.LISTING_MAX_CHAINS,
    },
    clientFor: createClientFactory({
      db,
      tokens,
      limiter,
      baseUrl: config.GHL_BASE_URL,
      timeoutMs: config.GHL_TIMEOUT_MS,
      maxAttempts: config.GHL_MAX_ATTEMPTS,
      logger: logger.child({ component: 'ghl' }),
      onRequest: onGhlRequest,
      oauthTokens:
        config.GHL_OAUTH_CLIENT_ID && config.GHL_OAUTH_CLIENT_SECRET
          ? (locationId) =>
              createOAuthTokenProvider({
                db,
                tokens,
                redis: producerConnection,
                prefix: config.QUEUE_PREFIX,
                locationId,
                clientId: config.GHL_OAUTH_CLIENT_ID!,
                clientSecret: config.GHL_OAUTH_CLIENT_SECRET!,
                baseUrl: config.GHL_BASE_URL,
                timeoutMs: config.GHL_TIMEOUT_MS,
                onEvent: (kind) => metrics.oauthTokenEvents.inc({ kind }),
                onRequest: onGhlRequest,
                logger,
              })
          : undefined,
      ...(agencyTokens && { agencyTokens: (locationId: string) => agencyTokens.locationProvider(locationId) }),
    }),
    onPageWritten: ({ inserted, updated, unchanged }) => {
      metrics.opportunitiesWritten.inc({ operation: 'inserted' }, inserted);
      metrics.opportunitiesWritten.inc({ operation: 'updated' }, updated);
      metrics.opportunitiesWritten.inc({ operation: 'unchanged' }, unchanged);
    },
    onSwept: (deleted) => metrics.opportunitiesWritten.inc({ operation: 'deleted' }, deleted),
    onRunFinished: (status, drift) => {
      metrics.runsFinished.inc({ status });
      if (typeof drift === 'number') metrics.reconciliationDrift.inc(drift);
    },
    onSyncEnded: (locationId) => limiter.syncEnded(locationId),
    onRecordApplied: ({ outcome, latenciesMs }) => {
      for (const ms of latenciesMs) metrics.webhookEventToRowSeconds.observe({ outcome }, ms / 1000);
    },
  };
  return {
    deps,
    metrics,
    queues,
    telemetry,
    registry,
    workerConnection,
    producerConnection,
    reportDependencyError,
    tokens,
    ...(agencyTokens && { agencyTokens }),
  };
}

/**
 * Fails before this process registers as a worker when Postgres (with the ghl schema) or Redis is
 * unreachable, so `sync --wait` never counts a worker that cannot run a job.
 * @throws GhlSyncError `db_error` (with `pgCode`, e.g. 3D000 no database, 42P01 not migrated) or `redis_error`.
 */
async function checkDependencies(runtime: SyncRuntime): Promise<void> {
  await countRunsByStatus(runtime.deps.db);
  await checkRedisAnswers(runtime.producerConnection);
}

/**
 * Builds and starts every worker of one process from config, the maintenance schedulers (tombstone
 * purge, run recovery) and, unless disabled, the location schedules; serves /metrics.
 */
export async function startWorker(
  config: Config,
  logger: Logger,
  registry: ShutdownRegistry = createShutdownRegistry(),
): Promise<RunningWorker> {
  // A pattern BullMQ would refuse fails the start, not every agency reconcile later.
  const agencyScheduleCron = config.AGENCY_SCHEDULE_CRON === 'off' ? null : config.AGENCY_SCHEDULE_CRON;
  if (agencyScheduleCron) validateSchedule(agencyScheduleCron, 'UTC');
  const runtime = createSyncRuntime(config, logger, registry);
  const { deps, metrics, queues, telemetry, workerConnection, producerConnection, reportDependencyError } = runtime;
  const db = deps.db;
  await checkDependencies(runtime);
  // Idempotent across processes: upserting the same scheduler id keeps exactly one. Run again
  // whenever Redis comes back, because a Redis restarted without persistence lost them.
  const ensureSchedulers = async () => {
    const { jobNames, schedulerIds } = QUEUES.maintenance;
    await queues.maintenance.upsertJobScheduler(
      schedulerIds.purgeTombstones,
      { pattern: '17 3 * * *' },
      { name: jobNames.purgeTombstones, data: { task: 'purge_tombstones' } },
    );
    await queues.maintenance.upsertJobScheduler(
      schedulerIds.recoverRuns,
      { every: config.RUN_RECOVERY_INTERVAL_MS },
      { name: jobNames.recoverRuns, data: { task: 'recover_runs' } },
    );
    await queues.maintenance.upsertJobScheduler(
      schedulerIds.reconcileAgencies,
      { every: config.AGENCY_RECONCILE_INTERVAL_MS },
      { name: jobNames.reconcileAgencies, data: { task: 'reconcile_agencies' } },
    );
    if (config.SCHEDULER_ENABLED) await reconcileSchedules(db, queues, logger);
  };
  await ensureSchedulers();
  producerConnection.on('ready', () => {
    ensureSchedulers().catch((err: Error) =>
      logger.warn({ err: { message: err.message } }, 'could not restore schedulers after Redis reconnected'),
    );
  });
  // `ready` does not cover every Redis that comes back empty: a Redis Cluster client stays ready
  // while one master restarts without its data, and the queues' keys were on it. So every
  // recovery interval the worker also checks that the recover-runs scheduler is there (one read),
  // and puts the schedulers back when it is not, so that runs whose jobs were lost are resumed.
  const schedulerWatch = setInterval(() => {
    queues.maintenance
      .getJobScheduler(QUEUES.maintenance.schedulerIds.recoverRuns)
      .then(async (scheduler) => {
        if (scheduler) return;
        await ensureSchedulers();
        logger.warn('the recover-runs scheduler was missing from Redis (it came back empty): schedulers put back');
      })
      .catch(() => undefined); // Redis unreachable: the next tick tries again.
  }, config.RUN_RECOVERY_INTERVAL_MS);
  schedulerWatch.unref();
  registry.register('scheduler-watch', () => clearInterval(schedulerWatch));
  // `/ready` on the metrics port: this worker can reach what its jobs need.
  const probes = {
    onError: (err: Error) => reportDependencyError('http', 'metrics_server', err),
    metricsToken: config.METRICS_TOKEN,
    ready: async () => {
      const [redis, postgres] = await Promise.all([
        answersWithin(() => workerConnection.ping(), 2_000),
        answersWithin(() => db.query('SELECT 1'), 2_000),
      ]);
      return [...(redis ? [] : ['redis']), ...(postgres ? [] : ['postgres'])];
    },
  };
  const metricsServer = await startMetricsServer(
    metrics.registry,
    config.WORKER_METRICS_PORT,
    config.WORKER_METRICS_HOST,
    probes,
  ).catch(async (err: NodeJS.ErrnoException) => {
    // Several workers on one host: the first takes the configured port, the others a free one,
    // quietly (info): it is the expected set-up, and each worker logs its port at start.
    if (err.code !== 'EADDRINUSE') throw err;
    const fallback = await startMetricsServer(metrics.registry, 0, config.WORKER_METRICS_HOST, probes);
    logger.info(
      { wantedPort: config.WORKER_METRICS_PORT, metricsPort: fallback.port },
      `WORKER_METRICS_PORT ${config.WORKER_METRICS_PORT} is taken by another process: serving /metrics on port ${fallback.port}`,
    );
    return fallback;
  });
  registry.register('metrics', () => metricsServer.close());
  const workers = createWorkers(
    QUEUES,
    createSyncHandlers({
      deps,
      pageConcurrency: config.WORKER_CONCURRENCY,
      coordinatorConcurrency: config.COORDINATOR_CONCURRENCY,
      maxRateLimitWaitMs: config.RATE_LIMIT_MAX_WAIT_MS,
      tombstoneRetentionDays: config.TOMBSTONE_RETENTION_DAYS,
      onRateLimitDelay: (delayMs) => metrics.rateLimitWaitSeconds.inc(delayMs / 1000),
      recoveryGraceMs: 2 * config.RUN_RECOVERY_INTERVAL_MS,
      ...(runtime.agencyTokens &&
        config.GHL_OAUTH_APP_ID && {
          reconcileAgency: (agencyId: string) =>
            reconcileAgency(
              {
                db,
                queues,
                redis: producerConnection,
                prefix: config.QUEUE_PREFIX,
                tokens: runtime.tokens,
                agencyTokens: runtime.agencyTokens!,
                baseUrl: config.GHL_BASE_URL,
                appId: config.GHL_OAUTH_APP_ID!,
                timeoutMs: config.GHL_TIMEOUT_MS,
                runDeadlineMs: config.RUN_DEADLINE_MINUTES * 60_000,
                scheduleCron: agencyScheduleCron,
                logger: logger.child({ component: 'agency-reconcile' }),
              },
              agencyId,
            ),
        }),
    }),
    {
      connection: workerConnection,
      prefix: config.QUEUE_PREFIX,
      logger,
      jobLockMs: config.JOB_LOCK_MS,
      telemetry,
      onWorkerError: (_queue, err) => reportDependencyError('redis', 'worker', err, { logged: true }),
    },
  );
  registry.register('workers', () => workers.close());
  workers.run();
  // A run whose jobs vanished while no worker was up is resumed now rather than at the next tick.
  recoverRuns(deps, { graceMs: 2 * config.RUN_RECOVERY_INTERVAL_MS }).catch((err: Error) =>
    logger.warn({ err: { message: err.message } }, 'start-up recovery failed'),
  );
  logger.info(
    {
      queuePrefix: config.QUEUE_PREFIX,
      pageConcurrency: config.WORKER_CONCURRENCY,
      metricsPort: metricsServer.port,
      // The V8 heap limit this process runs under (old space plus young generation), in MB.
      heapLimitMb: Math.round(getHeapStatistics().heap_size_limit / 2 ** 20),
    },
    'worker started',
  );
  return { workers, registry, metricsPort: metricsServer.port, close: () => registry.closeAll({ logger }) };
}

/** SWEEP_VERIFY_MAX, lowered to SWEEP_VERIFY_BUDGET_SHARE of the daily budget when that is tracked. */
function sweepVerifyMax(config: Config): number {
  const byBudget =
    config.RATE_LIMIT_DAILY > 0 ? Math.floor(config.SWEEP_VERIFY_BUDGET_SHARE * config.RATE_LIMIT_DAILY) : Infinity;
  return Math.min(config.SWEEP_VERIFY_MAX, byBudget);
}

import { loadConfig } from '@ghl-sync/config';
import { silentLogger } from '@ghl-sync/logger';
import { upsertLocation, type SyncRun } from '@ghl-sync/db';
import { startSandbox, type Sandbox, type SandboxOptions } from '@ghl-sync/ghl-sandbox';
import { createQueues, createRedisConnection, type Queues } from '@ghl-sync/queues';
import { startRun, waitForRun } from '@ghl-sync/sync';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '@ghl-sync/testing';

/**
 * One throwaway ghl-sync deployment for a scenario: its own database (`ghl_sync_test_*`, dropped
 * at the end), its own Redis key prefix (only its keys are deleted; the shared Redis is never
 * flushed) and an in-process sandbox. Worker processes are spawned separately with {@link BenchStack.env}.
 */
export interface BenchStack {
  database: TestDatabase;
  redis: TestRedis;
  sandbox: Sandbox;
  queues: Queues;
  /** Environment for `ghl-sync worker` children pointing at this stack. */
  env: Record<string, string>;
  /** Starts a run for `locationId` (trigger `test`), like `ghl-sync sync` does. */
  startRun(locationId: string): Promise<SyncRun>;
  /** Waits for a run to finish; throws after `timeoutMs`. */
  waitRun(runId: number, timeoutMs: number): Promise<SyncRun>;
  /** Tears everything down; safe to call twice. */
  stop(): Promise<void>;
}

/** Options of {@link startBenchStack}. */
export interface BenchStackOptions {
  sandbox: SandboxOptions;
  /** Worker environment on top of the stack's own (RATE_LIMIT_MAX, WORKER_CONCURRENCY …). */
  env?: Record<string, string>;
  /** A Redis of the scenario's own instead of the shared test Redis (`TEST_REDIS_URL`). */
  redisUrl?: string;
}

/** Builds a {@link BenchStack} and registers every sandbox location with its token. */
export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  const database = await createTestDatabase();
  const redis = await createTestRedis(options.redisUrl);
  const sandbox = await startSandbox({ dailyLimit: 0, ...options.sandbox });
  const producer = createRedisConnection(redis.url, 'producer');
  const queues = createQueues({ connection: producer, prefix: redis.prefix });
  for (const l of sandbox.locations)
    await upsertLocation(
      database.db,
      { id: l.id, name: l.name, accessToken: l.token, scheduleCron: null },
      database.tokens,
    );
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    TOKEN_ENCRYPTION_KEY: database.tokenKey,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: redis.prefix,
    GHL_BASE_URL: sandbox.url,
    LOG_LEVEL: 'info',
    SCHEDULER_ENABLED: 'false',
    WORKER_METRICS_PORT: '0',
    SHUTDOWN_GRACE_MS: '5000',
    // The sandbox's daily limit is off; so is ours, or 500k-row runs would trip it.
    RATE_LIMIT_DAILY: '0',
    ...options.env,
  };
  const runDeadlineMs = loadConfig(env).RUN_DEADLINE_MINUTES * 60_000;
  let stopped = false;
  return {
    database,
    redis,
    sandbox,
    queues,
    env,
    async startRun(locationId) {
      const { run } = await startRun(
        { db: database.db, queues, logger: silentLogger(), runDeadlineMs },
        { locationId, trigger: 'test' },
      );
      return run;
    },
    waitRun: (runId, timeoutMs) => waitForRun({ db: database.db, queues, runId, timeoutMs, pollMs: 100 }),
    async stop() {
      if (stopped) return;
      stopped = true;
      await queues.close().catch(() => undefined);
      producer.disconnect();
      await sandbox.close();
      await database.drop().catch((err: unknown) => console.error(`could not drop ${database.name}: ${String(err)}`));
      await redis.cleanup();
    },
  };
}

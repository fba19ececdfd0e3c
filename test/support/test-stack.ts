import type { ChildProcess } from 'node:child_process';
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '@ghl-sync/config';
import { upsertLocation, type SyncRun } from '@ghl-sync/db';
import { startSandbox, type Sandbox, type SandboxOptions } from '@ghl-sync/ghl-sandbox';
import { createLogger, type Logger } from '@ghl-sync/logger';
import { createQueues, createRedisConnection, type Queues } from '@ghl-sync/queues';
import { compareWithSandbox, waitForRun, type CompareResult } from '@ghl-sync/sync';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '@ghl-sync/testing';
import type { RunningWorker } from '@ghl-sync/worker';
import { createWorkerFleet } from './worker-fleet.js';

export { CLI_BIN } from './worker-fleet.js';

/** Options for {@link startTestStack}. */
export interface TestStackOptions {
  /** Sandbox options; rate limits are OFF unless given (tests that need them turn them on). */
  sandbox?: SandboxOptions;
  /** Extra environment for workers (in-process and spawned). */
  env?: Record<string, string>;
  /** Register every sandbox location in Postgres with its PIT token. @defaultValue true */
  registerLocations?: boolean;
  /** Level of the in-process workers' logger (`debug` adds the rate limiter's grants). @defaultValue 'info' */
  logLevel?: 'info' | 'debug';
}

/** A whole ghl-sync deployment for one test file: own database, own Redis prefix, own sandbox. */
export interface TestStack {
  database: TestDatabase;
  redis: TestRedis;
  sandbox: Sandbox;
  env: Record<string, string>;
  config: Config;
  queues: Queues;
  /** Every JSON log line written by in-process workers (for secret greps). */
  logs: string[];
  logger: Logger;
  /** Starts N worker "processes" in this process (real BullMQ workers, own connections). */
  startWorkers(n: number, env?: Record<string, string>): Promise<RunningWorker[]>;
  /** Spawns N real `ghl-sync worker` child processes. */
  spawnWorkers(n: number, env?: Record<string, string>): ChildProcess[];
  /** Opens a run and enqueues its coordinator. */
  startRun(
    locationId: string,
    opts?: { mode?: 'full' | 'resync'; allowMassDelete?: boolean; deadlineAt?: Date },
  ): Promise<SyncRun>;
  /** startRun + wait until it finishes. */
  sync(
    locationId: string,
    opts?: { mode?: 'full' | 'resync'; allowMassDelete?: boolean; timeoutMs?: number },
  ): Promise<SyncRun>;
  wait(runId: number, timeoutMs?: number): Promise<SyncRun>;
  compare(locationId: string): Promise<CompareResult>;
  stop(): Promise<void>;
}

/** Builds a {@link TestStack}. Call `stop()` in afterAll. */
export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const database = await createTestDatabase();
  const redis = await createTestRedis();
  const sandbox = await startSandbox({ rateLimitMax: 0, dailyLimit: 0, ...options.sandbox });
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    TOKEN_ENCRYPTION_KEY: database.tokenKey,
    ...redis.env,
    QUEUE_PREFIX: redis.prefix,
    GHL_BASE_URL: sandbox.url,
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    SCHEDULER_ENABLED: 'false',
    WORKER_METRICS_PORT: '0',
    SHUTDOWN_GRACE_MS: '10000',
    // One listing chain unless a test asks for partitions: the chain count follows the measured answer
    // time, which on a loaded machine would change page layouts that tests count exactly.
    LISTING_MAX_CHAINS: '1',
    ...options.env,
  };
  const config = loadConfig(env);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _e, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger({
    name: 'test-worker',
    level: options.logLevel ?? 'info',
    format: 'json',
    destination: sink,
  });
  const producer = createRedisConnection(redis.target, 'producer');
  const queues = createQueues({ connection: producer, prefix: redis.prefix });
  if (options.registerLocations ?? true) {
    for (const l of sandbox.locations)
      await upsertLocation(
        database.db,
        { id: l.id, name: l.name, accessToken: l.token, scheduleCron: null },
        database.tokens,
      );
  }
  const fleet = createWorkerFleet({ env, logs, logger, db: database.db, queues });

  const stack: TestStack = {
    database,
    redis,
    sandbox,
    env,
    config,
    queues,
    logs,
    logger,
    startWorkers: fleet.startWorkers,
    spawnWorkers: fleet.spawnWorkers,
    startRun: fleet.startRun,
    async sync(locationId, opts = {}) {
      const run = await stack.startRun(locationId, opts);
      return stack.wait(run.id, opts.timeoutMs);
    },
    wait: (runId, timeoutMs = 120_000) => waitForRun({ db: database.db, queues, runId, timeoutMs, pollMs: 100 }),
    compare: (locationId) => compareWithSandbox(database.db, sandbox, locationId),
    async stop() {
      // Every step runs even if an earlier one fails, so a broken test never leaves its database
      // or its Redis keys behind on the shared services.
      const steps = [
        () => fleet.stop(),
        () => queues.close(),
        async () => producer.disconnect(),
        () => sandbox.close(),
        () => database.drop(),
        () => redis.cleanup(),
      ];
      const errors: unknown[] = [];
      for (const step of steps) await step().catch((err: unknown) => errors.push(err));
      if (errors.length) throw errors[0];
    },
  };
  return stack;
}

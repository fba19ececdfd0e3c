import { loadConfig, type Config } from '@ghl-sync/config';
import { GhlSyncError } from '@ghl-sync/errors';
import { createDb, type Db } from '@ghl-sync/db';
import { createLogger, type Logger } from '@ghl-sync/logger';
import {
  checkRedisAnswers,
  createQueues,
  createRedisConnection,
  redisTargetOf,
  type Queues,
  type RedisClient,
} from '@ghl-sync/queues';
import type { RunLifecycleDeps } from '@ghl-sync/sync/runs';

/** Lazily built resources of one CLI invocation, closed in reverse order by `close()`. */
export interface CliContext {
  config: Config;
  logger: Logger;
  db(): Db;
  queues(): Queues;
  /** What the run lifecycle (`startRun`) needs, with the configured RUN_DEADLINE_MINUTES. */
  runs(): RunLifecycleDeps;
  /**
   * Pings Redis through the queues' connection, for a command that must not start work it cannot
   * finish (the demo, before it starts workers).
   * @throws GhlSyncError `redis_error` naming Redis and its error once the connection gave up (a few s).
   */
  checkRedis(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The last error a command's Redis connection met. ioredis and BullMQ fail a command with their own
 * text ("Reached the max retries per request limit"), which never says that Redis is the problem.
 */
let lastRedisError: Error | undefined;

/**
 * A command's unnamed failure explained by its Redis connection's last error, or undefined when
 * that connection met none (the failure is not Redis's, or the command used no Redis).
 */
export function redisFailureOf(err: unknown): GhlSyncError | undefined {
  return lastRedisError === undefined ? undefined : redisError(err, lastRedisError);
}

/**
 * A command's Redis failure as `redis_error`, named by what the connection met (`connect
 * ECONNREFUSED …`) rather than the command's own text, when the connection saw an error.
 */
export function redisError(err: unknown, connectionError?: Error): GhlSyncError {
  return new GhlSyncError('redis_error', `Redis: ${(connectionError ?? (err as Error)).message}`, { cause: err });
}

/** Builds the context; config is parsed (and every problem listed) before any command runs. */
export function createCliContext(overrides: Partial<Record<keyof Config, unknown>> = {}): CliContext {
  const config = loadConfig(undefined, overrides);
  const logger = createLogger({
    name: 'cli',
    // stdout is the command's result (`--json` is parsed by scripts): log lines never mix into it.
    fd: 2,
    level: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL,
    format: config.LOG_FORMAT,
  });
  let db: Db | undefined;
  let redis: RedisClient | undefined;
  let queues: Queues | undefined;
  const context: CliContext = {
    config,
    logger,
    db: () =>
      (db ??= createDb({ connectionString: config.DATABASE_URL, max: 4, applicationName: 'ghl-sync-cli', logger })),
    queues: () => {
      if (!redis) {
        // 'command': gives up reconnecting, so a command fails with Redis's error instead of hanging.
        redis = createRedisConnection(redisTargetOf(config), 'command');
        redis.on('error', (err: Error) => (lastRedisError = err));
      }
      return (queues ??= createQueues({ connection: redis, prefix: config.QUEUE_PREFIX }));
    },
    async checkRedis() {
      context.queues();
      await checkRedisAnswers(redis!);
    },
    runs: () => ({
      db: context.db(),
      queues: context.queues(),
      logger,
      runDeadlineMs: config.RUN_DEADLINE_MINUTES * 60_000,
    }),
    async close() {
      await queues?.close();
      redis?.disconnect();
      await db?.close();
    },
  };
  return context;
}

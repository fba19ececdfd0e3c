import { loadConfig, type Config } from '@ghl-sync/config';
import { createDb, type Db } from '@ghl-sync/db';
import { createLogger, type Logger } from '@ghl-sync/logger';
import { createQueues, createRedisConnection, redisTargetOf, type Queues, type RedisClient } from '@ghl-sync/queues';
import type { RunLifecycleDeps } from '@ghl-sync/sync/runs';

/** Lazily built resources of one CLI invocation, closed in reverse order by `close()`. */
export interface CliContext {
  config: Config;
  logger: Logger;
  db(): Db;
  queues(): Queues;
  /** What the run lifecycle (`startRun`) needs, with the configured RUN_DEADLINE_MINUTES. */
  runs(): RunLifecycleDeps;
  close(): Promise<void>;
}

/** Builds the context; config is parsed (and every problem listed) before any command runs. */
export function createCliContext(overrides: Partial<Record<keyof Config, unknown>> = {}): CliContext {
  const config = loadConfig(undefined, overrides);
  const logger = createLogger({
    name: 'cli',
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
      redis ??= createRedisConnection(redisTargetOf(config), 'producer');
      redis.on('error', () => undefined);
      return (queues ??= createQueues({ connection: redis, prefix: config.QUEUE_PREFIX }));
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

import type { TokenCipher } from '@ghl-sync/secrets';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { countRunsByStatus, upsertLocation, type Db } from '@ghl-sync/db';
import { createLogger } from '@ghl-sync/logger';
import { createMetrics } from '@ghl-sync/metrics';
import { createQueues, createRedisConnection, type Queues } from '@ghl-sync/queues';
import { createTestDatabase, createTestRedis } from '@ghl-sync/testing';
import { createApi } from '../../src/index.js';
import { captureLogs, type CapturedLogs } from './capture-logs.js';

/** The admin token every fixture uses; long and unusual so a leak is easy to spot in logs. */
export const ADMIN_TOKEN = 'adm-7f3c9e1b-secret-token-5a2d-0c4e8b';
export const BEARER = { authorization: `Bearer ${ADMIN_TOKEN}` };
export const LOCATION_ID = 'loc-api-test';

/** An API over its own database and Redis prefix, logging into memory at `trace`. */
export interface ApiFixture {
  app: FastifyInstance;
  db: Db;
  /** The cipher of the fixture database's tokens. */
  tokens: TokenCipher;
  queues: Queues;
  redis: Redis;
  prefix: string;
  redisUrl: string;
  databaseUrl: string;
  logs: CapturedLogs;
  close(): Promise<void>;
}

export async function createApiFixture(): Promise<ApiFixture> {
  const database = await createTestDatabase();
  const testRedis = await createTestRedis();
  const redis = createRedisConnection(testRedis.url, 'producer');
  const queues = createQueues({ connection: redis, prefix: testRedis.prefix });
  const logs = captureLogs();
  const logger = createLogger({ name: 'api', level: 'trace', format: 'json', destination: logs.stream });
  const metrics = createMetrics({
    service: 'api',
    queues: queues.all(),
    countRunsByStatus: () => countRunsByStatus(database.db),
    processMetrics: false,
  });
  await upsertLocation(
    database.db,
    {
      id: LOCATION_ID,
      name: 'API test location',
      accessToken: 'pit-location-secret',
      scheduleCron: null,
    },
    database.tokens,
  );
  const app = await createApi({ adminToken: ADMIN_TOKEN, logger, db: database.db, queues, redis, metrics });
  return {
    app,
    db: database.db,
    tokens: database.tokens,
    queues,
    redis,
    prefix: testRedis.prefix,
    redisUrl: testRedis.url,
    databaseUrl: database.url,
    logs,
    async close() {
      await app.close();
      await queues.close();
      redis.disconnect();
      await testRedis.cleanup();
      await database.drop();
    },
  };
}

import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { processEnvironment } from '@ghl-sync/config';

export const TEST_REDIS_URL = processEnvironment()['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** A Redis key prefix of its own for one test; `cleanup()` deletes only keys under it. */
export interface TestRedis {
  url: string;
  /** BullMQ queue prefix and rate-limiter prefix for this test. */
  prefix: string;
  redis: Redis;
  cleanup(): Promise<void>;
}

export async function createTestRedis(): Promise<TestRedis> {
  const prefix = `ghl-sync-test-${randomBytes(5).toString('hex')}`;
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 3, lazyConnect: false });
  return {
    url: TEST_REDIS_URL,
    prefix,
    redis,
    async cleanup() {
      // Never FLUSH: CI shares this Redis; delete our own prefix only.
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.unlink(...keys);
      } while (cursor !== '0');
      redis.disconnect();
    },
  };
}

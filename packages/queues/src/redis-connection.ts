import { Redis, type RedisOptions } from 'ioredis';

/**
 * `worker`: blocking commands must wait forever across reconnects (BullMQ requires
 * `maxRetriesPerRequest: null`). `producer`: fail fast so an API request or a CLI call errors
 * instead of hanging while Redis is down.
 */
export type RedisRole = 'worker' | 'producer';

/** Opens an ioredis connection for the given role. */
export function createRedisConnection(url: string, role: RedisRole, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    ...(role === 'worker' ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 2, connectTimeout: 5_000 }),
    // Reconnect with a capped backoff; a Redis restart must not kill the process.
    retryStrategy: (times) => Math.min(200 * times, 5_000),
    ...extra,
  });
}

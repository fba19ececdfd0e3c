import type { Redis } from 'ioredis';

/** `used_memory` from `INFO memory`, in bytes (the whole shared Redis, not just our keys). */
export async function redisUsedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? NaN);
}

/**
 * Bytes and count of the keys under `prefix` (`SCAN` + `MEMORY USAGE`): what this deployment
 * itself holds, which the shared `used_memory` cannot tell apart from other users. Bounded to
 * `maxKeys` keys.
 */
export async function prefixMemory(
  redis: Redis,
  prefix: string,
  maxKeys = 200_000,
): Promise<{ keys: number; bytes: number }> {
  let cursor = '0';
  let keys = 0;
  let bytes = 0;
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    const pipeline = redis.pipeline();
    for (const key of batch) pipeline.memory('USAGE', key);
    const usage = (await pipeline.exec()) ?? [];
    for (const [, value] of usage) bytes += Number(value ?? 0);
    keys += batch.length;
  } while (cursor !== '0' && keys < maxKeys);
  return { keys, bytes };
}

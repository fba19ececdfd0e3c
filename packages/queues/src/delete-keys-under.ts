import type { Redis } from 'ioredis';
import { isCluster, type RedisClient } from './redis-connection.js';

/** Scans `pattern` on one node. */
async function scanNode(node: Redis, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

/**
 * Deletes every key a deployment wrote under `prefix`, never anything else: `prefix:…` (the rate
 * limiter, the OAuth lock, the queues on one node) and `{prefix}:…` (the queues on a cluster). On a
 * cluster every master is scanned (SCAN sees one node's keys only) and keys go one by one, since
 * keys of different slots cannot share a command.
 * @returns how many keys were deleted.
 */
export async function deleteKeysUnder(client: RedisClient, prefix: string): Promise<number> {
  const patterns = [`${prefix}:*`, `{${prefix}}:*`];
  if (!isCluster(client)) {
    let deleted = 0;
    for (const pattern of patterns) {
      const keys = await scanNode(client, pattern);
      for (let i = 0; i < keys.length; i += 1000) deleted += await client.unlink(...keys.slice(i, i + 1000));
    }
    return deleted;
  }
  const keys = (
    await Promise.all(client.nodes('master').flatMap((node) => patterns.map((p) => scanNode(node, p))))
  ).flat();
  const counts = await Promise.all(keys.map((key) => client.unlink(key)));
  return counts.reduce((a, b) => a + b, 0);
}

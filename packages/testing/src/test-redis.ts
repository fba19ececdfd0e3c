import { randomBytes } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { processEnvironment } from '@ghl-sync/config';

export const TEST_REDIS_URL = processEnvironment()['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/**
 * Seed nodes of a Redis Cluster the tests run against instead of TEST_REDIS_URL (`host:port,…`),
 * read at each {@link createTestRedis} call: the cluster test set (`npm run test:cluster`) starts a
 * throwaway cluster and sets it for its files only.
 */
export function testRedisClusterNodes(): string | undefined {
  const nodes = processEnvironment()['TEST_REDIS_CLUSTER_NODES'];
  return nodes === undefined || nodes === '' ? undefined : nodes;
}

/** A Redis key prefix of its own for one test; `cleanup()` deletes only keys under it. */
export interface TestRedis {
  /** The single node's URL; throws on a cluster, where `target` and `env` say where Redis is. */
  readonly url: string;
  /** Where Redis is, as `createRedisConnection` takes it: the URL, or the cluster's seed nodes. */
  target: string | { nodes: Array<{ host: string; port: number }> };
  /** The environment a worker or CLI needs to reach it: `REDIS_URL` or `REDIS_CLUSTER_NODES`. */
  env: { REDIS_URL: string } | { REDIS_CLUSTER_NODES: string };
  /** True on a Redis Cluster. */
  cluster: boolean;
  /** BullMQ queue prefix and rate-limiter prefix for this test. */
  prefix: string;
  /** The test's own connection (a `Cluster` on a cluster). */
  redis: Redis | Cluster;
  /** Every key matching `pattern`, from every master of a cluster (KEYS on one node otherwise). */
  keys(pattern: string): Promise<string[]>;
  cleanup(): Promise<void>;
}

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
 * A fresh prefix on the test Redis (TEST_REDIS_URL, or the cluster of TEST_REDIS_CLUSTER_NODES), or
 * on the single node `url` when given: a Redis of the caller's own, e.g. one a benchmark started so
 * that its server-wide counters see nothing else.
 */
export async function createTestRedis(url?: string): Promise<TestRedis> {
  const prefix = `ghl-sync-test-${randomBytes(5).toString('hex')}`;
  const nodeUrl = url ?? TEST_REDIS_URL;
  const clusterNodes = url === undefined ? testRedisClusterNodes() : undefined;
  const nodes = (clusterNodes ?? '').split(',').flatMap((entry) => {
    const [host, port] = entry.trim().split(':');
    return host && port ? [{ host, port: Number(port) }] : [];
  });
  const redis: Redis | Cluster = clusterNodes
    ? new Cluster(nodes, { redisOptions: { maxRetriesPerRequest: 3 } })
    : new Redis(nodeUrl, { maxRetriesPerRequest: 3, lazyConnect: false });
  const keys = async (pattern: string): Promise<string[]> => {
    if (!(redis instanceof Cluster)) return scanNode(redis, pattern);
    const perMaster = await Promise.all(redis.nodes('master').map((node) => scanNode(node, pattern)));
    return perMaster.flat();
  };
  return {
    get url(): string {
      if (clusterNodes) throw new Error('TestRedis.url: this test runs on a Redis Cluster; use target or env');
      return nodeUrl;
    },
    target: clusterNodes ? { nodes } : nodeUrl,
    env: clusterNodes ? { REDIS_CLUSTER_NODES: clusterNodes } : { REDIS_URL: nodeUrl },
    cluster: clusterNodes !== undefined,
    prefix,
    redis,
    keys,
    async cleanup() {
      // Never FLUSH: CI shares this Redis; delete our own prefix only. On a cluster the queues'
      // keys start with the hash-tagged `{prefix}`, and keys of different slots go one by one.
      const own = [...(await keys(`${prefix}*`)), ...(clusterNodes ? await keys(`{${prefix}}*`) : [])];
      if (redis instanceof Cluster) await Promise.all(own.map((key) => redis.unlink(key)));
      else for (let i = 0; i < own.length; i += 1000) await redis.unlink(...own.slice(i, i + 1000));
      redis.disconnect();
    },
  };
}

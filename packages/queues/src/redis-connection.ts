import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

/**
 * `worker`: blocking commands must wait forever across reconnects (BullMQ requires
 * `maxRetriesPerRequest: null`). `producer`: fail fast so an API request errors instead of hanging
 * while Redis is down, and keep reconnecting (a long-lived process outlives the outage).
 * `command`: a producer for one CLI command, which also stops reconnecting after
 * {@link COMMAND_RECONNECT_ATTEMPTS}: BullMQ waits for a connection to be ready or closed, so a
 * command whose connection retried forever would hang, silent, while Redis is unreachable.
 */
export type RedisRole = 'worker' | 'producer' | 'command';

/** Reconnect attempts of a `command` connection before it closes (about 3 s of backoff). */
export const COMMAND_RECONNECT_ATTEMPTS = 5;

/** A connection to one Redis node or to a Redis Cluster: both answer every command ghl-sync sends. */
export type RedisClient = Redis | Cluster;

/**
 * Where Redis is: a URL of one node, or the seed nodes of a Redis Cluster (config's
 * `REDIS_CLUSTER_NODES`; ioredis discovers the other nodes and follows MOVED/ASK itself).
 */
export type RedisTarget =
  | string
  | {
      nodes: ReadonlyArray<{ host: string; port: number }>;
      /** TLS to every node. @defaultValue false */
      tls?: boolean;
      username?: string;
      password?: string;
    };

/** The `REDIS_URL` / `REDIS_CLUSTER_NODES` pair of a config, as a {@link RedisTarget}. */
export function redisTargetOf(config: {
  REDIS_URL: string;
  REDIS_CLUSTER_NODES?: Exclude<RedisTarget, string> | undefined;
}): RedisTarget {
  return config.REDIS_CLUSTER_NODES ?? config.REDIS_URL;
}

/** True for a Redis Cluster connection. */
export function isCluster(client: RedisClient): client is Cluster {
  return (client as { isCluster?: boolean }).isCluster === true;
}

/**
 * The BullMQ prefix to use on `client`: unchanged on one node; on a cluster wrapped in a hash tag,
 * `{prefix}`, as BullMQ documents for clusters. Every queue then lives in one hash slot, which the
 * flows need: a finalize parent and its page and gate children sit in different queues and are
 * written by one Lua script.
 */
export function bullPrefix(prefix: string, client: RedisClient): string {
  return isCluster(client) ? `{${prefix}}` : prefix;
}

/**
 * Opens the one kind of Redis connection every process uses, for the given role: a `Redis` for a
 * URL, a `Cluster` for seed nodes (the role's options then apply to each node's connection).
 * `extra` is merged into the node options.
 */
export function createRedisConnection(target: RedisTarget, role: RedisRole, extra: RedisOptions = {}): RedisClient {
  const roleOptions: RedisOptions =
    role === 'worker' ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 2, connectTimeout: 5_000 };
  // Reconnect with a capped backoff; a Redis restart must not kill a long-lived process. A
  // command gives up instead (null closes the connection, which fails what waits on it).
  const backoff = (times: number): number | null =>
    role === 'command' && times > COMMAND_RECONNECT_ATTEMPTS ? null : Math.min(200 * times, 5_000);
  if (typeof target === 'string') return new Redis(target, { ...roleOptions, retryStrategy: backoff, ...extra });
  // A cluster reconnects as a whole (clusterRetryStrategy): ioredis refuses per-node retry
  // strategies and offline queues, so those two are left out of the node options.
  const { retryStrategy: _retry, enableOfflineQueue, lazyConnect, ...nodeExtra } = extra;
  const clusterOptions: ClusterOptions = {
    redisOptions: {
      ...roleOptions,
      ...nodeExtra,
      ...(target.tls ? { tls: {} } : {}),
      ...(target.username !== undefined ? { username: target.username } : {}),
      ...(target.password !== undefined ? { password: target.password } : {}),
    },
    // Keep rediscovering the cluster while every seed is unreachable: a worker outlives a cluster restart.
    clusterRetryStrategy: backoff,
    // Managed TLS clusters (ElastiCache, MemoryDB) announce host names their certificates carry;
    // resolving them to IPs first fails the certificate check (ioredis documents this).
    ...(target.tls
      ? { dnsLookup: (address: string, callback: (err: null, address: string) => void) => callback(null, address) }
      : {}),
    ...(enableOfflineQueue !== undefined ? { enableOfflineQueue } : {}),
    ...(lazyConnect !== undefined ? { lazyConnect } : {}),
  };
  return new Cluster(
    target.nodes.map((n) => ({ host: n.host, port: n.port })),
    clusterOptions,
  );
}

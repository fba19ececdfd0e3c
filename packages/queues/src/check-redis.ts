import { GhlSyncError } from '@ghl-sync/errors';
import { isCluster, type RedisClient } from './redis-connection.js';

/** How long a process waits at start for Redis to answer, in ms. */
export const REDIS_START_CHECK_MS = 10_000;

/**
 * Pings Redis once, as a process's start-up check. A Redis Cluster client whose seed nodes are not
 * cluster nodes (a plain Redis, nothing listening) keeps refreshing its slot map and would hold the
 * ping forever, so the check gives up after `timeoutMs` and says what to look at. The message is
 * the last `error` the connection emitted while it waited, which names the cause better than the
 * ping's own failure or a timeout does (ECONNREFUSED, "Failed to refresh slots cache").
 * @param client - the process's producer or command connection.
 * @param timeoutMs - how long to wait for the answer, in ms. @defaultValue {@link REDIS_START_CHECK_MS}
 * @throws GhlSyncError `redis_error` (retryable) when Redis does not answer in time or refuses.
 */
export async function checkRedisAnswers(client: RedisClient, timeoutMs: number = REDIS_START_CHECK_MS): Promise<void> {
  let lastError: Error | undefined;
  const remember = (err: Error) => void (lastError = err);
  client.on('error', remember);
  let timer: NodeJS.Timeout | undefined;
  const cluster = isCluster(client);
  try {
    await Promise.race([
      client.ping(),
      new Promise<never>((_, reject) => {
        // Named by the connection's last error instead, when it met one (below).
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    const message = (lastError ?? (err as Error)).message.replace(/\.$/, '');
    const hint = cluster
      ? '; REDIS_CLUSTER_NODES must list nodes of a Redis Cluster (cluster-enabled yes) that answer'
      : '';
    throw new GhlSyncError('redis_error', `Redis${cluster ? ' Cluster' : ''}: ${message}${hint}`, { cause: err });
  } finally {
    clearTimeout(timer);
    client.off('error', remember);
  }
}

import { GhlSyncError } from '@ghl-sync/errors';
import { isCluster, type RedisClient } from './redis-connection.js';

/** How long a process waits at start for Redis to answer, in ms. */
export const REDIS_START_CHECK_MS = 10_000;

/**
 * Pings Redis once, as a process's start-up check. A Redis Cluster client whose seed nodes are not
 * cluster nodes (a plain Redis, nothing listening) keeps refreshing its slot map and would hold the
 * ping forever, so the check gives up after `timeoutMs` and says what to look at.
 * @param client - the process's producer or command connection.
 * @param timeoutMs - how long to wait for the answer, in ms. @defaultValue {@link REDIS_START_CHECK_MS}
 * @param lastError - the connection's last `error` event, which names the cause better than a
 *   timeout does (ECONNREFUSED, "Failed to refresh slots cache").
 * @throws GhlSyncError `redis_error` (retryable) when Redis does not answer in time or refuses.
 */
export async function checkRedisAnswers(
  client: RedisClient,
  timeoutMs: number = REDIS_START_CHECK_MS,
  lastError?: () => Error | undefined,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const cluster = isCluster(client);
  try {
    await Promise.race([
      client.ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `no answer within ${timeoutMs} ms${lastError?.() ? ` (last error: ${lastError()!.message})` : ''}`,
              ),
            ),
          timeoutMs,
        );
      }),
    ]);
  } catch (err) {
    const message = (lastError?.() ?? (err as Error)).message.replace(/\.$/, '');
    const hint = cluster
      ? '; REDIS_CLUSTER_NODES must list nodes of a Redis Cluster (cluster-enabled yes) that answer'
      : '';
    throw new GhlSyncError('redis_error', `Redis${cluster ? ' Cluster' : ''}: ${message}${hint}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

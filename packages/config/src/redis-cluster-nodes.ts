import { z } from 'zod';

/** One seed node of a Redis Cluster. */
export interface RedisClusterNode {
  host: string;
  port: number;
}

/**
 * `REDIS_CLUSTER_NODES` once parsed: the seed nodes (ioredis learns the others from them) and what
 * every node connection shares. Credentials come from the entries written as URLs and never appear
 * in an error.
 */
export interface RedisClusterTarget {
  nodes: RedisClusterNode[];
  /** `rediss://` entries: TLS to every node (managed offerings require it). */
  tls: boolean;
  username?: string;
  password?: string;
}

/** Parses one entry, `host:port` or `redis[s]://[user:password@]host:port`; undefined when malformed. */
function parseEntry(
  entry: string,
): (RedisClusterNode & { tls: boolean; username?: string; password?: string }) | undefined {
  let url: URL;
  try {
    url = new URL(entry.includes('://') ? entry : `redis://${entry}`);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '' || url.port === '')
    return undefined;
  if (url.pathname !== '' && url.pathname !== '/') return undefined; // a cluster has no database index
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(url.port),
    tls: url.protocol === 'rediss:',
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
  };
}

/** The zod schema of `REDIS_CLUSTER_NODES`: unset, or a comma-separated list of seed nodes. */
export const redisClusterNodes = () =>
  z
    .string()
    .optional()
    .transform((v, ctx): RedisClusterTarget | undefined => {
      if (v === undefined || v.trim() === '') return undefined;
      const entries = v
        .split(',')
        .map((e) => e.trim())
        .filter((e) => e !== '');
      const parsed = entries.map(parseEntry);
      const bad = parsed.flatMap((p, i) => (p ? [] : [i + 1]));
      if (bad.length > 0) {
        // Positions, not values: an entry may carry a password.
        ctx.addIssue({
          code: 'custom',
          message: `entr${bad.length === 1 ? 'y' : 'ies'} ${bad.join(', ')} must be host:port (or redis[s]://[user:password@]host:port)`,
        });
        return z.NEVER;
      }
      const nodes = parsed as Array<NonNullable<(typeof parsed)[number]>>;
      if (new Set(nodes.map((n) => n.tls)).size > 1) {
        ctx.addIssue({ code: 'custom', message: 'mixes redis:// and rediss:// entries: every node is TLS or none' });
        return z.NEVER;
      }
      const withAuth = nodes.find((n) => n.password !== undefined || n.username !== undefined);
      // One set of credentials is used for every node: entries that disagree would be ignored silently.
      const credentials = new Set(
        nodes
          .filter((n) => n.password !== undefined || n.username !== undefined)
          .map((n) => JSON.stringify([n.username ?? null, n.password ?? null])),
      );
      if (credentials.size > 1) {
        ctx.addIssue({
          code: 'custom',
          message: 'entries carry different credentials: every node takes the same ones',
        });
        return z.NEVER;
      }
      return {
        nodes: nodes.map(({ host, port }) => ({ host, port })),
        tls: nodes[0]!.tls,
        ...(withAuth?.username !== undefined ? { username: withAuth.username } : {}),
        ...(withAuth?.password !== undefined ? { password: withAuth.password } : {}),
      };
    });

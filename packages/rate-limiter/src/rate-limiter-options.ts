import type { Cluster, Redis } from 'ioredis';

/** Options for `createRateLimiter`. */
export interface RateLimiterOptions {
  /**
   * One node or a Redis Cluster. Each location's keys share a hash tag, `{locationId}`, so one
   * script's keys are in one slot and locations spread over the cluster's masters.
   */
  redis: Redis | Cluster;
  /** Key prefix; each deployment (and test) its own. Keys: `<prefix>:rl:{<locationId>}:*`. @defaultValue 'ghl-sync' */
  prefix?: string;
  /** Requests GHL allows per location per interval, until headers say otherwise (ghl-api.md §4, X-RateLimit-Max). @defaultValue 100 */
  maxRequests?: number;
  /** Burst window, in ms (X-RateLimit-Interval-Milliseconds). @defaultValue 10_000 */
  intervalMs?: number;
  /**
   * Share of the budget left unused, for clock jitter and other clients. The limiter guarantees at
   * most `maxRequests × (1 − safetyMargin)` requests in any sliding interval. @defaultValue 0.05
   */
  safetyMargin?: number;
  /** Requests that may go out back to back before spacing applies (taken out of the steady rate). @defaultValue 2 */
  burst?: number;
  /** Requests per location per UTC day; 0 = not counted locally (headers still apply). @defaultValue 200_000 */
  dailyLimit?: number;
  /**
   * Most of a location's slots `record` requests (webhook re-reads) may take while a sync of the
   * location is running, in (0, 1]; the sync keeps at least `1 − recordShare` of them, whatever the
   * number of record callers or processes. Outside a sync, records may use every slot. 1 = no cap.
   * Enforced in the same Lua script as the budget (a second GCRA spaced `emission / recordShare`).
   * @defaultValue 1
   * @throws GhlSyncError `config_invalid` from `createRateLimiter` when outside (0, 1].
   */
  recordShare?: number;
  /**
   * A location counts as syncing for this long after its last `sync` request, in ms: long enough to
   * span the gaps between a run's phases, short enough that records get the whole budget back soon
   * after a run. @defaultValue intervalMs
   * @throws GhlSyncError `config_invalid` from `createRateLimiter` when below 1.
   */
  syncWindowMs?: number;
  /**
   * Receives: warn once per location for impossible rate-limit headers; info per 429 pause
   * (`pausedAtMs`, `pausedUntilMs`, Redis clock); debug per granted slot (`grantedAtMs`, Redis clock).
   * @defaultValue silent
   */
  logger?: RateLimiterLogger;
  /** Called with every wait actually slept, for metrics. */
  onWait?: (locationId: string, waitMs: number) => void;
}

/** pino-compatible logger subset; object first, message second. */
export interface RateLimiterLogger {
  debug(o: object, m?: string): void;
  info(o: object, m?: string): void;
  warn(o: object, m?: string): void;
}

import { GhlSyncError } from '@ghl-sync/errors';
import { ACQUIRE_LUA, OBSERVE_LUA, PAUSE_LEFT_LUA } from './acquire.lua.js';
import type { RateLimiterOptions } from './rate-limiter-options.js';

/** What GHL said in a response, with header names lower-cased. */
export interface ObservedResponse {
  status: number;
  headers: Record<string, string | undefined>;
}

/** The per-location budget shared by every process through Redis. */
export interface RateLimiter {
  /**
   * Waits for this location's next request slot and takes it.
   * @param maxWaitMs - longest wait accepted here. @defaultValue 60_000
   * @returns the time slept, in ms.
   * @throws GhlSyncError `ghl_rate_limited` (details.retryAfterMs) when the slot is further away than
   *   `maxWaitMs` (nothing is reserved: the caller should delay its job); `daily_quota_exhausted`
   *   (details.retryAfterMs) when the daily budget is spent.
   */
  acquire(locationId: string, maxWaitMs?: number): Promise<number>;
  /** Learns from a response: 429 and low `X-RateLimit-Remaining` pause the location; daily 0 blocks it. */
  observe(locationId: string, response: ObservedResponse): Promise<void>;
  /** A `RequestGate` for `@ghl-sync/ghl-client`, bound to a wait cap. */
  gate(maxWaitMs?: number): {
    acquire(locationId: string): Promise<void>;
    observe(locationId: string, response: ObservedResponse): Promise<void>;
  };
}

/** Parses `Retry-After` (seconds or HTTP-date; RFC 9110 §10.2.3) into ms from now, or null. */
export function parseRetryAfterMs(value: string | undefined, now = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

function msUntilNextUtcMidnight(now = Date.now()): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1) - now;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Builds the shared limiter. */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const redis = options.redis;
  const prefix = options.prefix ?? 'ghl-sync';
  const maxRequests = options.maxRequests ?? 100;
  const intervalMs = options.intervalMs ?? 10_000;
  const margin = options.safetyMargin ?? 0.05;
  const burst = options.burst ?? 2;
  const dailyLimit = options.dailyLimit ?? 200_000;
  const keys = (loc: string) => {
    const base = `${prefix}:rl:{${loc}}`;
    return {
      tat: `${base}:tat`,
      pause: `${base}:pause`,
      daily: `${base}:daily-blocked`,
      limits: `${base}:limits`,
      used: `${base}:daily-used`,
    };
  };

  const limiter: RateLimiter = {
    async acquire(locationId, maxWaitMs = 60_000) {
      let slept = 0;
      for (;;) {
        const k = keys(locationId);
        const [granted, waitMs, reason] = (await redis.eval(
          ACQUIRE_LUA,
          5,
          k.tat,
          k.pause,
          k.daily,
          k.limits,
          k.used,
          maxRequests,
          intervalMs,
          margin,
          burst,
          Math.max(0, maxWaitMs - slept),
          dailyLimit,
          msUntilNextUtcMidnight(),
        )) as [number, number, number];
        if (reason === 3) {
          throw new GhlSyncError(
            'daily_quota_exhausted',
            `Daily GHL request budget of location ${locationId} is spent; next window in ${Math.round(waitMs / 60_000)} min`,
            {
              details: { locationId, retryAfterMs: waitMs },
            },
          );
        }
        if (granted === 1) {
          if (waitMs === 0) return slept;
          await sleep(waitMs);
          slept += waitMs;
          options.onWait?.(locationId, waitMs);
          // A 429 seen by another caller while we slept paused the location: our reserved slot is
          // void (left unused, which only under-spends the budget), so queue up again behind the pause.
          const pausedMs = (await redis.eval(PAUSE_LEFT_LUA, 1, k.pause)) as number;
          if (pausedMs <= 0) return slept;
          continue;
        }
        throw new GhlSyncError(
          'ghl_rate_limited',
          `Location ${locationId} has no request slot for ${waitMs} ms${reason === 2 ? ' (paused after GHL pushed back)' : ''}`,
          {
            details: { locationId, retryAfterMs: waitMs, paused: reason === 2 },
          },
        );
      }
    },

    async observe(locationId, { status, headers }) {
      const max = Number(headers['x-ratelimit-max'] ?? 0);
      const interval = Number(headers['x-ratelimit-interval-milliseconds'] ?? 0);
      const remaining = headers['x-ratelimit-remaining'];
      const dailyRemaining = headers['x-ratelimit-daily-remaining'];
      const effectiveInterval = interval > 0 ? interval : intervalMs;
      const effectiveMax = max > 0 ? max : maxRequests;

      let pauseMs = 0;
      if (status === 429) {
        pauseMs = parseRetryAfterMs(headers['retry-after']) ?? effectiveInterval;
      } else if (remaining !== undefined && remaining !== '') {
        // Someone else (another app, the user's own scripts) is spending this location's budget:
        // back off in proportion to how far below our low-water mark GHL says we are.
        const lowWater = Math.max(1, Math.floor((effectiveMax * margin) / 2));
        const left = Number(remaining);
        if (Number.isFinite(left) && left < lowWater)
          pauseMs = Math.ceil(((lowWater - left) * effectiveInterval) / effectiveMax) * 2;
      }
      const dailyMs =
        dailyRemaining !== undefined && Number(dailyRemaining) <= 0 && dailyRemaining !== ''
          ? msUntilNextUtcMidnight()
          : 0;
      if (pauseMs === 0 && dailyMs === 0 && !(max > 0 && interval > 0)) return;
      const k = keys(locationId);
      await redis.eval(
        OBSERVE_LUA,
        3,
        k.pause,
        k.daily,
        k.limits,
        pauseMs,
        dailyMs,
        max > 0 ? max : 0,
        interval > 0 ? interval : 0,
      );
    },

    gate(maxWaitMs) {
      return {
        acquire: async (locationId) => {
          await limiter.acquire(locationId, maxWaitMs);
        },
        observe: (locationId, response) => limiter.observe(locationId, response),
      };
    },
  };
  return limiter;
}

import { GhlSyncError } from '@ghl-sync/errors';
import { msUntilNextUtcMidnight, readRateLimitHeaders } from '@ghl-sync/ghl-client';
import { ACQUIRE_LUA, OBSERVE_LUA, PAUSE_LEFT_LUA } from './acquire.lua.js';
import type { RateLimiterOptions } from './rate-limiter-options.js';

/** What GHL said in a response, with header names lower-cased. */
export interface ObservedResponse {
  status: number;
  headers: Record<string, string | undefined>;
}

/**
 * Who is asking for a slot: `sync` (a full sync's listing, page and sweep requests) or `record`
 * (a webhook's re-read). While a sync of the location is asking, `record` requests get at most
 * `recordShare` of the location's slots (see {@link RateLimiterOptions.recordShare}).
 */
export type RequestClass = 'sync' | 'record';

/** The per-location budget shared by every process through Redis. */
export interface RateLimiter {
  /**
   * Waits for this location's next request slot and takes it.
   * @param maxWaitMs - longest wait accepted here, the wait for the record share included. @defaultValue 60_000
   * @param requestClass - who asks. @defaultValue 'sync'
   * @returns the time slept, in ms.
   * @throws GhlSyncError `ghl_rate_limited` (details: retryAfterMs, paused, recordShare) when the slot
   *   is further away than `maxWaitMs` (nothing is reserved: the caller should delay its job);
   *   `daily_quota_exhausted` (details.retryAfterMs) when the daily budget is spent; ioredis errors as thrown.
   */
  acquire(locationId: string, maxWaitMs?: number, requestClass?: RequestClass): Promise<number>;
  /**
   * Learns from a response: 429 and low `X-RateLimit-Remaining` pause the location; daily 0 blocks it.
   * Impossible header values (`X-RateLimit-Max: 0`…) are ignored and logged once per location, so
   * the configured budget stays in force.
   */
  observe(locationId: string, response: ObservedResponse): Promise<void>;
  /**
   * Ends the location's sync now: `record` requests are no longer capped to their share until a
   * `sync` request asks again (otherwise the mark lapses `syncWindowMs` after the last one).
   * @throws ioredis errors as thrown.
   */
  syncEnded(locationId: string): Promise<void>;
  /** A `RequestGate` for `@ghl-sync/ghl-client`, bound to a wait cap and a request class. */
  gate(
    maxWaitMs?: number,
    requestClass?: RequestClass,
  ): {
    acquire(locationId: string): Promise<void>;
    observe(locationId: string, response: ObservedResponse): Promise<void>;
  };
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
  const recordShare = options.recordShare ?? 1;
  if (!(recordShare > 0 && recordShare <= 1))
    throw new GhlSyncError('config_invalid', `recordShare must be in (0, 1], got ${recordShare}`);
  const syncWindowMs = Math.round(options.syncWindowMs ?? intervalMs);
  // Redis refuses a PX of 0, which would fail every sync request's script.
  if (!(syncWindowMs >= 1))
    throw new GhlSyncError('config_invalid', `syncWindowMs must be at least 1 ms, got ${options.syncWindowMs}`);
  const keys = (loc: string) => {
    const base = `${prefix}:rl:{${loc}}`;
    return {
      tat: `${base}:tat`,
      pause: `${base}:pause`,
      daily: `${base}:daily-blocked`,
      limits: `${base}:limits`,
      used: `${base}:daily-used`,
      recordTat: `${base}:record-tat`,
      syncSeen: `${base}:sync-seen`,
    };
  };

  const logger = options.logger;
  const warnedImpossible = new Set<string>();
  // The grant instant on Redis's clock, the one the pause is recorded on: order between the two is exact.
  // `capped`: the record share was in force for this grant; `shareWaitMs`: time slept for that share.
  const granted_ = (
    locationId: string,
    grant: { atMs: number; slept: number; requestClass: RequestClass; capped: boolean; shareWaitMs: number },
  ): number => {
    logger?.debug(
      {
        locationId,
        requestClass: grant.requestClass,
        grantedAtMs: grant.atMs,
        sleptMs: grant.slept,
        ...(grant.requestClass === 'record' && { recordShareCapped: grant.capped, shareWaitMs: grant.shareWaitMs }),
      },
      'rate slot granted',
    );
    return grant.slept;
  };

  const limiter: RateLimiter = {
    async acquire(locationId, maxWaitMs = 60_000, requestClass = 'sync') {
      let slept = 0;
      let shareWaitMs = 0;
      for (;;) {
        const k = keys(locationId);
        const [granted, waitMs, reason, redisNowMs, capped] = (await redis.eval(
          ACQUIRE_LUA,
          7,
          k.tat,
          k.pause,
          k.daily,
          k.limits,
          k.used,
          k.recordTat,
          k.syncSeen,
          maxRequests,
          intervalMs,
          margin,
          burst,
          Math.max(0, maxWaitMs - slept),
          dailyLimit,
          msUntilNextUtcMidnight(),
          requestClass === 'record' ? 1 : 0,
          recordShare,
          syncWindowMs,
        )) as [number, number, number, number, number];
        if (reason === 3) {
          throw new GhlSyncError(
            'daily_quota_exhausted',
            `Daily GHL request budget of location ${locationId} is spent; next window in ${Math.round(waitMs / 60_000)} min`,
            {
              details: { locationId, retryAfterMs: waitMs },
            },
          );
        }
        const grant = { requestClass, capped: capped === 1, shareWaitMs };
        if (granted === 1) {
          if (waitMs === 0) return granted_(locationId, { ...grant, atMs: redisNowMs, slept });
          await sleep(waitMs);
          slept += waitMs;
          options.onWait?.(locationId, waitMs);
          // A 429 seen by another caller while we slept paused the location: our reserved slot is
          // void (left unused, which only under-spends the budget), so queue up again behind the pause.
          const [pausedMs, checkedAtMs] = (await redis.eval(PAUSE_LEFT_LUA, 1, k.pause)) as [number, number];
          if (pausedMs <= 0) return granted_(locationId, { ...grant, atMs: checkedAtMs, slept });
          continue;
        }
        // The record share is spent until waitMs: nothing was reserved, so the slots until then stay
        // the sync's. Wait in place within the cap and ask again (another record caller may win it).
        if (reason === 4 && waitMs <= maxWaitMs - slept) {
          await sleep(waitMs);
          slept += waitMs;
          shareWaitMs += waitMs;
          options.onWait?.(locationId, waitMs);
          continue;
        }
        const why = reason === 2 ? ' (paused after GHL pushed back)' : reason === 4 ? ' (record share in use)' : '';
        throw new GhlSyncError(
          'ghl_rate_limited',
          `Location ${locationId} has no request slot for ${waitMs} ms${why}`,
          {
            details: { locationId, retryAfterMs: waitMs, paused: reason === 2, recordShare: reason === 4 },
          },
        );
      }
    },

    async observe(locationId, { status, headers }) {
      const facts = readRateLimitHeaders(headers);
      if (facts.impossible.length > 0 && !warnedImpossible.has(locationId)) {
        warnedImpossible.add(locationId);
        logger?.warn(
          { locationId, status, ignored: facts.impossible },
          'GHL sent impossible rate-limit headers; ignoring them and keeping the configured budget',
        );
      }
      const effectiveInterval = facts.intervalMs ?? intervalMs;
      const effectiveMax = facts.maxRequests ?? maxRequests;

      let pauseMs = 0;
      if (status === 429) {
        pauseMs = facts.retryAfterMs ?? effectiveInterval;
      } else if (facts.remaining !== undefined) {
        // Someone else (another app, the user's own scripts) is spending this location's budget:
        // back off in proportion to how far below our low-water mark GHL says we are.
        const lowWater = Math.max(1, Math.floor((effectiveMax * margin) / 2));
        if (facts.remaining < lowWater)
          pauseMs = Math.ceil(((lowWater - facts.remaining) * effectiveInterval) / effectiveMax) * 2;
      }
      const dailyMs = facts.dailyRemaining === 0 ? msUntilNextUtcMidnight() : 0;
      const learned = facts.maxRequests !== undefined && facts.intervalMs !== undefined;
      if (pauseMs === 0 && dailyMs === 0 && !learned) return;
      const k = keys(locationId);
      const [atMs, pausedUntilMs] = (await redis.eval(
        OBSERVE_LUA,
        3,
        k.pause,
        k.daily,
        k.limits,
        pauseMs,
        dailyMs,
        learned ? facts.maxRequests! : 0,
        learned ? facts.intervalMs! : 0,
      )) as [number, number];
      if (status === 429) {
        logger?.info(
          { locationId, pausedAtMs: atMs, pausedUntilMs, pauseMs },
          'location paused after GHL answered 429',
        );
      }
    },

    async syncEnded(locationId) {
      // Without a share nothing marks a sync (acquire.lua), so there is nothing to remove.
      if (recordShare < 1) await redis.del(keys(locationId).syncSeen);
    },

    gate(maxWaitMs, requestClass) {
      return {
        acquire: async (locationId) => {
          await limiter.acquire(locationId, maxWaitMs, requestClass);
        },
        observe: (locationId, response) => limiter.observe(locationId, response),
      };
    },
  };
  return limiter;
}

import { Redis } from 'ioredis';
import { createRateLimiter } from '@ghl-sync/rate-limiter';
import { diffCommandStats, readCommandStats } from './redis-commandstats.js';

/** What one GHL request costs the shared rate limiter. */
export interface LimiterCost {
  requests: number;
  /** Redis commands per request (acquire before it, observe after it). */
  commandsPerRequest: number;
  /** Redis server time per request, µs (`INFO commandstats`). */
  redisUsecPerRequest: number;
  /** Wall time of acquire + observe seen by the caller, µs (round trips included). */
  clientUsecPerRequest: number;
  /** Commands by name, per request. */
  byCommand: Array<{ command: string; perRequest: number }>;
}

/**
 * Calls the real limiter as the GHL client does for each request (`acquire`, then `observe` with
 * GHL's rate-limit headers), one request after another, with a budget so large it never waits:
 * the cost of the limiter itself, not of waiting for the budget. Needs a Redis whose counters see
 * nothing else (a throwaway server).
 */
export async function measureLimiterCost(redisUrl: string, prefix: string, requests: number): Promise<LimiterCost> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  try {
    const limiter = createRateLimiter({ redis, prefix: `${prefix}-limiter`, maxRequests: 1e9, dailyLimit: 0 });
    const gate = limiter.gate(60_000);
    // The headers GHL sends with every answer (ghl-api.md §4), so observe does its real work (it
    // records the limit it learns), with a limit as large as the budget so that nothing waits.
    const headers = {
      'x-ratelimit-max': '1000000000',
      'x-ratelimit-interval-milliseconds': '10000',
      'x-ratelimit-remaining': '999999990',
      'x-ratelimit-limit-daily': '200000',
      'x-ratelimit-daily-remaining': '150000',
    };
    await gate.acquire('sizing-warm-up');
    const before = await readCommandStats(redis);
    const started = performance.now();
    for (let i = 0; i < requests; i++) {
      await gate.acquire('sizing-location');
      await gate.observe('sizing-location', { status: 200, headers });
    }
    const elapsedUs = (performance.now() - started) * 1000;
    const d = diffCommandStats(before, await readCommandStats(redis));
    await redis.unlink(...(await redis.keys(`${prefix}-limiter*`)));
    return {
      requests,
      commandsPerRequest: d.calls / requests,
      redisUsecPerRequest: d.usec / requests,
      clientUsecPerRequest: elapsedUs / requests,
      byCommand: d.byCommand.map((c) => ({ command: c.command, perRequest: c.calls / requests })),
    };
  } finally {
    redis.disconnect();
  }
}

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRateLimiter, type RateLimiterLogger } from '@ghl-sync/rate-limiter';
import { createTestRedis, type TestRedis } from '@ghl-sync/testing';

let r: TestRedis;
beforeEach(async () => {
  r = await createTestRedis();
});
afterEach(async () => {
  await r.cleanup();
});

/** A logger keeping every line, to read the limiter's grants and warnings. */
function recordingLogger(): RateLimiterLogger & { lines: { level: string; o: Record<string, unknown>; m?: string }[] } {
  const lines: { level: string; o: Record<string, unknown>; m?: string }[] = [];
  const at = (level: string) => (o: object, m?: string) => lines.push({ level, o: o as Record<string, unknown>, m });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn') };
}

function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe('createRateLimiter', () => {
  it('spreads concurrent callers from two limiter instances over one shared budget', async () => {
    // 12 per second with a burst of 1 → a steady 10/s (one every 100 ms) and never more than 12 in any second.
    const opts = {
      redis: r.redis,
      prefix: r.prefix,
      maxRequests: 12,
      intervalMs: 1_000,
      safetyMargin: 0,
      burst: 1,
      dailyLimit: 0,
    };
    const log = recordingLogger();
    const a = createRateLimiter({ ...opts, logger: log });
    const b = createRateLimiter({ ...opts, logger: log });
    await Promise.all(Array.from({ length: 24 }, (_, i) => (i % 2 ? a : b).acquire('loc-1', 10_000)));
    // Grant instants on Redis's clock, the limiter's own time line: a slow event loop here cannot
    // bunch them up or spread them out.
    const grants = log.lines.filter((l) => l.m === 'rate slot granted').map((l) => l.o['grantedAtMs'] as number);
    expect(grants).toHaveLength(24);
    // 24 requests at 10/s with a burst of 1 span ≥ (24 - 2) × 100 ms.
    expect(Math.max(...grants) - Math.min(...grants)).toBeGreaterThanOrEqual(2_100);
    expect(maxInWindow(grants, 1_000)).toBeLessThanOrEqual(12);
  });

  it('keeps locations apart', async () => {
    const limiter = createRateLimiter({
      redis: r.redis,
      prefix: r.prefix,
      maxRequests: 3,
      intervalMs: 1_000,
      safetyMargin: 0,
      burst: 0,
      dailyLimit: 0,
    });
    await limiter.acquire('A', 0);
    await expect(limiter.acquire('A', 0)).rejects.toMatchObject({ code: 'ghl_rate_limited' });
    await expect(limiter.acquire('B', 0)).resolves.toBe(0);
  });

  it('refuses a wait beyond the cap without reserving a slot, and reports how long to wait', async () => {
    const limiter = createRateLimiter({
      redis: r.redis,
      prefix: r.prefix,
      maxRequests: 2,
      intervalMs: 2_000,
      safetyMargin: 0,
      burst: 0,
      dailyLimit: 0,
    });
    await limiter.acquire('loc', 0);
    const err = await limiter
      .acquire('loc', 100)
      .catch((e: unknown) => e as { code: string; details: { retryAfterMs: number } });
    expect(err).toMatchObject({ code: 'ghl_rate_limited' });
    expect((err as { details: { retryAfterMs: number } }).details.retryAfterMs).toBeGreaterThan(1_500);
    // Nothing was reserved: the next slot is still ~2 s out, not ~4 s.
    const again = await limiter
      .acquire('loc', 100)
      .catch((e: { details: { retryAfterMs: number } }) => e.details.retryAfterMs);
    expect(again).toBeLessThanOrEqual(2_000);
  });

  it('pauses the whole location after a 429 for Retry-After, and learns limits from headers', async () => {
    const limiter = createRateLimiter({
      redis: r.redis,
      prefix: r.prefix,
      maxRequests: 100,
      intervalMs: 10_000,
      safetyMargin: 0,
      burst: 5,
      dailyLimit: 0,
    });
    await limiter.observe('loc', { status: 429, headers: { 'retry-after': '3' } });
    const err = await limiter
      .acquire('loc', 0)
      .catch((e: { code: string; details: { retryAfterMs: number; paused: boolean } }) => e);
    expect(err).toMatchObject({ code: 'ghl_rate_limited', details: { paused: true } });
    expect((err as { details: { retryAfterMs: number } }).details.retryAfterMs).toBeGreaterThan(2_500);
    await limiter.observe('other', {
      status: 200,
      headers: { 'x-ratelimit-max': '25', 'x-ratelimit-interval-milliseconds': '10000' },
    });
    expect(await r.redis.hgetall(`${r.prefix}:rl:{other}:limits`)).toEqual({ max: '25', intervalMs: '10000' });
  });

  it('blocks a location whose daily budget is spent until the next UTC day', async () => {
    const limiter = createRateLimiter({ redis: r.redis, prefix: r.prefix, dailyLimit: 3, burst: 10 });
    for (let i = 0; i < 3; i++) await limiter.acquire('loc', 1_000);
    await expect(limiter.acquire('loc', 1_000)).rejects.toMatchObject({ code: 'daily_quota_exhausted' });
    await limiter.observe('loc2', { status: 200, headers: { 'x-ratelimit-daily-remaining': '0' } });
    await expect(limiter.acquire('loc2', 1_000)).rejects.toMatchObject({ code: 'daily_quota_exhausted' });
  });

  it('ignores impossible rate-limit headers (X-RateLimit-Max: 0) with one warning and keeps the configured budget', async () => {
    const log = recordingLogger();
    const limiter = createRateLimiter({
      redis: r.redis,
      prefix: r.prefix,
      maxRequests: 100,
      intervalMs: 10_000,
      safetyMargin: 0.05,
      burst: 10,
      dailyLimit: 0,
      logger: log,
    });
    const nonsense = {
      status: 200,
      headers: { 'x-ratelimit-max': '0', 'x-ratelimit-remaining': '0', 'x-ratelimit-interval-milliseconds': '10000' },
    };
    for (let i = 0; i < 5; i++) {
      await limiter.observe('loc', nonsense);
      // With the headers obeyed, remaining 0 paused the location after every answer (400 ms each).
      await expect(limiter.acquire('loc', 0)).resolves.toBe(0);
    }
    expect(await r.redis.exists(`${r.prefix}:rl:{loc}:pause`, `${r.prefix}:rl:{loc}:limits`)).toBe(0);
    const warnings = log.lines.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.o).toMatchObject({
      locationId: 'loc',
      ignored: ['x-ratelimit-max: 0', 'x-ratelimit-remaining: 0'],
    });
    // A possible remaining count next to a real maximum still pauses.
    await limiter.observe('loc', {
      status: 200,
      headers: { 'x-ratelimit-max': '100', 'x-ratelimit-remaining': '0', 'x-ratelimit-interval-milliseconds': '10000' },
    });
    await expect(limiter.acquire('loc', 0)).rejects.toMatchObject({
      code: 'ghl_rate_limited',
      details: { paused: true },
    });
  });
});

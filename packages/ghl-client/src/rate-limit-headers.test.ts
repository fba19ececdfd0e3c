import { describe, expect, it } from 'vitest';
import { dailyQuotaWaitMs, msUntilNextUtcMidnight, readRateLimitHeaders } from './index.js';

describe('readRateLimitHeaders', () => {
  const now = Date.UTC(2026, 0, 1, 0, 0, 0);

  it('reads every documented header', () => {
    expect(
      readRateLimitHeaders(
        {
          'x-ratelimit-max': '100',
          'x-ratelimit-interval-milliseconds': '10000',
          'x-ratelimit-remaining': '37',
          'x-ratelimit-daily-remaining': '199000',
          'retry-after': '3',
        },
        now,
      ),
    ).toEqual({
      maxRequests: 100,
      intervalMs: 10_000,
      remaining: 37,
      dailyRemaining: 199_000,
      retryAfterMs: 3_000,
      impossible: [],
    });
    expect(readRateLimitHeaders({}, now)).toEqual({ impossible: [] });
  });

  it('drops impossible values and names them; a remaining count without a real maximum goes too', () => {
    expect(readRateLimitHeaders({ 'x-ratelimit-max': '0', 'x-ratelimit-remaining': '0' }, now)).toEqual({
      impossible: ['x-ratelimit-max: 0', 'x-ratelimit-remaining: 0'],
    });
    expect(
      readRateLimitHeaders(
        {
          'x-ratelimit-max': '10',
          'x-ratelimit-remaining': '11',
          'x-ratelimit-interval-milliseconds': '-5',
          'x-ratelimit-daily-remaining': 'lots',
        },
        now,
      ),
    ).toEqual({
      maxRequests: 10,
      impossible: [
        'x-ratelimit-interval-milliseconds: -5',
        'x-ratelimit-remaining: 11',
        'x-ratelimit-daily-remaining: lots',
      ],
    });
    // Without X-RateLimit-Max, a remaining count is taken as it comes.
    expect(readRateLimitHeaders({ 'x-ratelimit-remaining': '0' }, now)).toEqual({ remaining: 0, impossible: [] });
  });
});

describe('the daily reset', () => {
  it('is the next 00:00 UTC unless Retry-After says otherwise', () => {
    const now = Date.UTC(2026, 5, 30, 23, 0, 0);
    expect(msUntilNextUtcMidnight(now)).toBe(3_600_000);
    expect(dailyQuotaWaitMs({ 'x-ratelimit-daily-remaining': '0' }, now)).toBe(3_600_000);
    expect(dailyQuotaWaitMs({ 'x-ratelimit-daily-remaining': '0', 'retry-after': '60' }, now)).toBe(60_000);
  });
});

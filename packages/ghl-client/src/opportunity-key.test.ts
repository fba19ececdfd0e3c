import { describe, expect, it } from 'vitest';
import { compareKeys, opportunityKey, parseRetryAfter, type GhlCursor } from './index.js';
import { rateLimitWaitMs } from './rate-limit-headers.js';

describe('opportunityKey', () => {
  it('prefers the sort array (its id part may be a contact id)', () => {
    expect(
      opportunityKey({ id: 'opp1', createdAt: '2025-12-01T16:06:30.468Z', sort: [1764605190468, 'contact9'] }),
    ).toEqual({
      startAfter: 1764605190468,
      startAfterId: 'contact9',
    });
  });

  it('accepts a numeric-string ms and a numeric id in sort', () => {
    expect(opportunityKey({ sort: ['1764605190468', 42] })).toEqual({ startAfter: 1764605190468, startAfterId: '42' });
  });

  it('falls back to createdAt and id', () => {
    expect(opportunityKey({ id: 'opp1', createdAt: '2025-12-01T16:06:30.468Z' })).toEqual({
      startAfter: 1764605190468,
      startAfterId: 'opp1',
    });
    expect(opportunityKey({ id: 'opp1', createdAt: '2025-12-01T16:06:30.468Z', sort: [null, 'x'] })).toEqual({
      startAfter: 1764605190468,
      startAfterId: 'opp1',
    });
  });

  it('is null when neither key is usable', () => {
    expect(opportunityKey({ id: 'opp1' })).toBeNull();
    expect(opportunityKey({ id: 'opp1', createdAt: 'yesterday' })).toBeNull();
    expect(opportunityKey({ createdAt: '2025-12-01T16:06:30.468Z' })).toBeNull();
    expect(opportunityKey({ id: '', createdAt: '2025-12-01T16:06:30.468Z' })).toBeNull();
  });
});

describe('compareKeys', () => {
  const k = (startAfter: number, startAfterId: string): GhlCursor => ({ startAfter, startAfterId });

  it('puts newer records first', () => {
    expect(compareKeys(k(2000, 'a'), k(1000, 'z'))).toBe(-1);
    expect(compareKeys(k(1000, 'z'), k(2000, 'a'))).toBe(1);
  });

  it('breaks same-ms ties by the greater id first', () => {
    expect(compareKeys(k(1000, 'b'), k(1000, 'a'))).toBe(-1);
    expect(compareKeys(k(1000, 'a'), k(1000, 'b'))).toBe(1);
    expect(compareKeys(k(1000, 'a'), k(1000, 'a'))).toBe(0);
  });

  it('compares ids by code units, not locale (uppercase sorts below lowercase)', () => {
    expect(compareKeys(k(1, 'a'), k(1, 'B'))).toBe(-1);
  });

  it('sorts a shuffled listing back into API order', () => {
    const api = [k(3000, 'c'), k(3000, 'a'), k(2000, 'z'), k(1000, 'm')];
    expect([api[2]!, api[0]!, api[3]!, api[1]!].sort(compareKeys)).toEqual(api);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00.000Z');

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1_500);
  });

  it('reads an HTTP-date relative to now, never negative', () => {
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
  });

  it('returns undefined for absent or garbage values', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });

  it('falls back from Retry-After to the interval header to 10 s', () => {
    expect(rateLimitWaitMs({ 'retry-after': '2', 'x-ratelimit-interval-milliseconds': '10000' }, 10_000, now)).toBe(
      2_000,
    );
    expect(rateLimitWaitMs({ 'x-ratelimit-interval-milliseconds': '7000' }, 10_000, now)).toBe(7_000);
    expect(rateLimitWaitMs({ 'retry-after': 'bogus' }, 10_000, now)).toBe(10_000);
    expect(rateLimitWaitMs({}, undefined, now)).toBe(10_000);
  });
});

import { describe, expect, it } from 'vitest';
import { createdAtMsOf, firstIndexAtOrBefore, isTieFollower } from './timeline.js';
import { decodeOpportunityId, encodeOpportunityId } from './opportunity-id.js';

describe('generated timeline', () => {
  const salt = 123_456;
  const count = 20_000;

  it('is non-increasing with about 1% of records sharing a millisecond', () => {
    let ties = 0;
    for (let i = 1; i < count; i += 1) {
      const prev = createdAtMsOf(salt, i - 1, count);
      const cur = createdAtMsOf(salt, i, count);
      expect(cur <= prev).toBe(true);
      if (cur === prev) {
        ties += 1;
        expect(isTieFollower(salt, i)).toBe(true);
      }
    }
    expect(ties).toBeGreaterThan(count * 0.003);
    expect(ties).toBeLessThan(count * 0.01);
  });

  it('binary-searches the first index at or before a time', () => {
    for (const i of [0, 1, 777, 19_999]) {
      const ms = createdAtMsOf(salt, i, count);
      const found = firstIndexAtOrBefore(salt, count, ms);
      expect(createdAtMsOf(salt, found, count)).toBe(ms);
      expect(found === 0 || createdAtMsOf(salt, found - 1, count) > ms).toBe(true);
    }
    expect(firstIndexAtOrBefore(salt, count, 0)).toBe(count);
  });
});

describe('opportunity ids', () => {
  it('are 20-char alnum and decode back to their index', () => {
    for (const i of [0, 1, 2, 499_999, 123_456]) {
      const id = encodeOpportunityId(99, i);
      expect(id).toMatch(/^[A-Za-z0-9]{20}$/);
      expect(decodeOpportunityId(99, id, 500_000)).toBe(i);
    }
  });

  it('reject ids of other locations, out-of-range indices and garbage', () => {
    const id = encodeOpportunityId(99, 10);
    expect(decodeOpportunityId(100, id, 500_000)).toBeUndefined();
    expect(decodeOpportunityId(99, id, 10)).toBeUndefined();
    expect(decodeOpportunityId(99, 'not-an-id', 500_000)).toBeUndefined();
    expect(decodeOpportunityId(99, `${id.slice(0, 19)}${id[19] === 'a' ? 'b' : 'a'}`, 500_000)).toBeUndefined();
  });
});

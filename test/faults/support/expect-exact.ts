import { expect } from 'vitest';
import type { LocationCheck } from './check-location.js';

/** Asserts a mirror is exact: nothing lost, different, left live, duplicated or miscounted. */
export function expectExact(check: LocationCheck, expected: { checked?: number; tombstoned?: number } = {}): void {
  expect({
    lost: check.lost.slice(0, 10),
    differs: check.differs.slice(0, 10),
    extraLive: check.extraLive.slice(0, 10),
    duplicated: check.duplicated,
    counterProblems: check.counterProblems,
  }).toEqual({ lost: [], differs: [], extraLive: [], duplicated: 0, counterProblems: [] });
  if (expected.checked !== undefined) expect(check.checked).toBe(expected.checked);
  if (expected.tombstoned !== undefined) expect(check.tombstoned).toBe(expected.tombstoned);
}

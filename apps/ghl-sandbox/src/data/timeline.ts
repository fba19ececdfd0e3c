import { hash32 } from './prng.js';

/**
 * createdAt of generated records as a pure function of the index: strictly non-increasing in i
 * (i = 0 is the newest), so a keyset seek is a binary search over i. About 1 % of records sit in
 * pairs (2k, 2k+1) sharing one millisecond, which exercises the cursor tie-break.
 */

/** Newest possible generated createdAt (fixed, so data does not depend on the wall clock). */
export const TIMELINE_END_MS = Date.UTC(2026, 5, 1);
/** Generated data spans about three years back from {@link TIMELINE_END_MS}. */
const TIMELINE_SPAN_MS = 3 * 365 * 86_400_000;
/** Probability that pair (2k, 2k+1) shares a millisecond (≈1 % of records overall). */
const TIE_PAIR_PROBABILITY = 0.01;

function stepMs(count: number): number {
  return Math.max(2, Math.floor(TIMELINE_SPAN_MS / Math.max(1, count)));
}

function baseMs(salt: number, index: number, step: number): number {
  return TIMELINE_END_MS - index * step - (hash32(salt, index, 0x7111) % step);
}

/** Whether record `index` shares its millisecond with record `index - 1`. */
export function isTieFollower(salt: number, index: number): boolean {
  return index % 2 === 1 && hash32(salt, index >>> 1, 0x71e) / 4_294_967_296 < TIE_PAIR_PROBABILITY;
}

/** createdAt (epoch ms) of generated record `index` of a location holding `count` records. */
export function createdAtMsOf(salt: number, index: number, count: number): number {
  const step = stepMs(count);
  return isTieFollower(salt, index) ? baseMs(salt, index - 1, step) : baseMs(salt, index, step);
}

/** Smallest index whose createdAt ≤ `ms` (count if none). Binary search, O(log n). */
export function firstIndexAtOrBefore(salt: number, count: number, ms: number): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (createdAtMsOf(salt, mid, count) <= ms) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Largest index whose createdAt ≥ `ms` (-1 if none). Binary search, O(log n). */
export function lastIndexAtOrAfter(salt: number, count: number, ms: number): number {
  return firstIndexAtOrBefore(salt, count, ms - 1) - 1;
}

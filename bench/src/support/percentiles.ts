/** Nearest-rank percentiles of a set of values (ms), and its size. */
export interface Percentiles {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** p50, p99 (nearest rank) and max of `values`; NaN for an empty set. */
export function percentiles(values: readonly number[]): Percentiles {
  if (values.length === 0) return { count: 0, p50: NaN, p99: NaN, max: NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
  return { count: sorted.length, p50: rank(50), p99: rank(99), max: sorted.at(-1)! };
}

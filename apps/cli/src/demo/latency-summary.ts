/** The figures the demo prints of a set of latencies, in ms. */
export interface LatencySummary {
  p50: number;
  max: number;
}

/**
 * Median (nearest rank) and maximum of `latenciesMs`; both 0 for an empty list.
 */
export function latencySummary(latenciesMs: readonly number[]): LatencySummary {
  if (latenciesMs.length === 0) return { p50: 0, max: 0 };
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return { p50: sorted[Math.ceil(sorted.length / 2) - 1]!, max: sorted.at(-1)! };
}

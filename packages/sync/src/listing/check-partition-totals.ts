/** Inputs of {@link checkPartitionTotals}. */
export interface PartitionTotalsInput {
  /** `meta.total` of the unfiltered first page. */
  unfilteredTotal: number;
  /** `meta.total` of each partition's first page (null when GHL did not say), with a label for reasons. */
  partitions: Array<{ label: string; total: number | null }>;
  /** The sweep guard's tolerances (SWEEP_TOTAL_TOLERANCE, SWEEP_TOTAL_TOLERANCE_ABS). */
  totalTolerance: number;
  totalToleranceAbs: number;
}

/** Verdict of {@link checkPartitionTotals}. */
export type PartitionTotalsVerdict = { complete: true; sum: number } | { complete: false; reason: string };

/**
 * Partitions are used only when they add up to the whole listing: the sum of their first pages'
 * `meta.total` must equal the unfiltered `meta.total` within the same tolerance the sweep guard
 * uses. Too few means an opportunity lies outside every partition (a pipeline or stage GHL did not
 * list, an undocumented status); too many means overlap or a filter the API ignored.
 */
export function checkPartitionTotals(input: PartitionTotalsInput): PartitionTotalsVerdict {
  const silent = input.partitions.find((p) => p.total === null);
  if (silent) return { complete: false, reason: `partition ${silent.label} reported no meta.total` };
  const sum = input.partitions.reduce((acc, p) => acc + (p.total ?? 0), 0);
  const allowed = Math.max(input.totalTolerance * Math.max(input.unfilteredTotal, sum), input.totalToleranceAbs);
  if (Math.abs(sum - input.unfilteredTotal) > allowed) {
    return {
      complete: false,
      reason: `${input.partitions.length} partitions add up to ${sum} but the unfiltered listing has ${input.unfilteredTotal} (tolerance ${input.totalTolerance * 100}% or ${input.totalToleranceAbs} records)`,
    };
  }
  return { complete: true, sum };
}

/** Inputs of {@link checkPartitionTotals}. */
export interface PartitionTotalsInput {
  /** `meta.total` of the unfiltered first page. */
  unfilteredTotal: number;
  /** `meta.total` of each partition's first page (null when GHL did not say), with a label for reasons. */
  partitions: Array<{ label: string; total: number | null }>;
  /** The sweep guard's tolerances (SWEEP_TOTAL_TOLERANCE, SWEEP_TOTAL_TOLERANCE_ABS), for an overlap only. */
  totalTolerance: number;
  totalToleranceAbs: number;
}

/**
 * Verdict of {@link checkPartitionTotals}. `outside` (refusals for too few only) is how many
 * opportunities the unfiltered total counts beyond the partitions' sum.
 */
export type PartitionTotalsVerdict =
  { complete: true; sum: number } | { complete: false; reason: string; outside?: number };

/**
 * Partitions are used only when they add up to the whole listing: the sum of their first pages'
 * `meta.total` must reach the unfiltered `meta.total`.
 * - **Too few is never tolerated.** It means opportunities lie outside every partition (a pipeline
 *   or stage GHL did not list, an undocumented status): no chain would ever list them, on this run
 *   or any other, so a missing one is never mirrored, and a mirrored one is a sweep candidate every
 *   run (tombstoned whenever the sweep cannot confirm it one by one). The sweep guard's tolerance
 *   would hide a gap of a few records, which is exactly this case.
 * - **Too many** is tolerated within the sweep guard's tolerance (the larger of
 *   `totalTolerance` × the larger count and `totalToleranceAbs`): an opportunity that moved stage
 *   or status between two first pages is counted twice, and marks de-duplicate it. Beyond that it
 *   means overlap or a filter GHL ignored.
 * A partition that reported no `meta.total` refuses the plan.
 */
export function checkPartitionTotals(input: PartitionTotalsInput): PartitionTotalsVerdict {
  const silent = input.partitions.find((p) => p.total === null);
  if (silent) return { complete: false, reason: `partition ${silent.label} reported no meta.total` };
  const sum = input.partitions.reduce((acc, p) => acc + (p.total ?? 0), 0);
  const adds = `${input.partitions.length} partitions add up to ${sum} but the unfiltered listing has ${input.unfilteredTotal}`;
  if (sum < input.unfilteredTotal) {
    const outside = input.unfilteredTotal - sum;
    const what = outside === 1 ? 'opportunity' : 'opportunities';
    return { complete: false, reason: `${adds}: ${outside} ${what} outside every partition`, outside };
  }
  const allowed = Math.max(input.totalTolerance * sum, input.totalToleranceAbs);
  if (sum - input.unfilteredTotal > allowed) {
    return {
      complete: false,
      reason: `${adds} (overlap tolerance ${input.totalTolerance * 100}% or ${input.totalToleranceAbs} records)`,
    };
  }
  return { complete: true, sum };
}

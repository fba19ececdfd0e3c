import type { PartitionFilter, PipelineStages } from '@ghl-sync/db';

/** Every value of the documented `status` filter except `all` (official `opportunities.json`). */
export const PARTITION_STATUSES = ['open', 'won', 'lost', 'abandoned'] as const;

/** A partition with its size: known (its first page's `meta.total`) or estimated. */
export interface SizedPartition {
  filter: PartitionFilter;
  /** Records it holds (may be fractional when estimated). */
  size: number;
}

/** When {@link planPartitions} cuts a partition. */
export interface SplitRules {
  /** Chains that will list the partitions concurrently; the plan aims for at least this many partitions. */
  chains: number;
  /**
   * A partition above this many records is cut: a chain that lists more than the others finishes
   * last, alone, while the budget idles.
   */
  maxSize: number;
  /**
   * Where a partition can be cut two ways (by stage or by status), the cut with fewer children is
   * taken if its largest child (by weight) stays within this many records; otherwise the cut with
   * the smaller largest child. Statuses are usually skewed (most deals open), stages less so.
   */
  targetSize: number;
  /** A partition of at most this many records is never cut (one or two pages gain nothing from it). */
  minSplitSize: number;
  /** No more partitions than this (each may cost a short last page). */
  maxPartitions: number;
}

/** The coarsest cut: one partition per pipeline. */
export function pipelinePartitions(pipelines: PipelineStages[]): PartitionFilter[] {
  return pipelines.map((p): PartitionFilter => ({ pipelineId: p.pipelineId }));
}

/**
 * Mixed-level partitions: starting from `parts` (usually one per pipeline), the largest partition
 * that can be cut is replaced by a finer cut ({@link cutOptions}: by stage or by status)
 * while fewer partitions than chains hold records or one holds more than `maxSize`; every other
 * partition stays as coarse as it is. Coarse partitions mean fewer short
 * last pages, so fewer requests, than cutting the whole listing at a finer level.
 *
 * A cut partition's size is shared among its children in proportion to `weight(child)` (for
 * example how many records of a sample fall in each; equal shares when all weights are 0), which
 * also chooses between the two cuts (`targetSize`).
 * Every child covers part of its parent and together they cover it (same filter plus one more
 * documented filter), so any plan covers what the pipelines cover — which the completeness check
 * verifies against GHL's totals, never assumes.
 *
 * @returns the partitions, in the order of `parts` with each cut one's children in its place.
 */
export function planPartitions(
  parts: SizedPartition[],
  pipelines: PipelineStages[],
  rules: SplitRules,
  weight: (filter: PartitionFilter) => number = () => 0,
): SizedPartition[] {
  let plan = [...parts];
  for (;;) {
    const candidates = plan
      .map((p, i) => ({ p, i, cuts: cutOptions(p.filter, pipelines) }))
      .filter((c) => c.cuts.length > 0 && c.p.size > rules.minSplitSize)
      .sort((a, b) => b.p.size - a.p.size);
    const largest = candidates[0];
    if (largest === undefined) return plan;
    // Empty partitions (known to be) give a chain nothing to list.
    const listed = plan.filter((p) => p.size > 0).length;
    const needed = listed < rules.chains || largest.p.size > rules.maxSize;
    if (!needed) return plan;
    const options = largest.cuts
      .map((cut) => shareOut(largest.p.size, cut, weight))
      .map((children) => ({ children, biggest: Math.max(...children.map((c) => c.size)) }))
      .sort((a, b) => {
        const aFits = a.biggest <= rules.targetSize;
        const bFits = b.biggest <= rules.targetSize;
        if (aFits !== bFits) return aFits ? -1 : 1;
        return aFits ? a.children.length - b.children.length : a.biggest - b.biggest;
      });
    const { children } = options[0]!;
    if (plan.length - 1 + children.length > rules.maxPartitions) return plan;
    plan = [...plan.slice(0, largest.i), ...children, ...plan.slice(largest.i + 1)];
  }
}

/** A cut partition's size shared among its children by weight (equal shares when all weights are 0). */
function shareOut(size: number, cut: PartitionFilter[], weight: (filter: PartitionFilter) => number): SizedPartition[] {
  const weights = cut.map((f) => Math.max(0, weight(f)));
  const sum = weights.reduce((n, w) => n + w, 0);
  return cut.map((filter, k) => ({ filter, size: sum > 0 ? (size * weights[k]!) / sum : size / cut.length }));
}

/**
 * The ways one partition can be cut one level finer: a pipeline into its stages (when it has more
 * than one) or into the four statuses; a stage into its statuses; a status of a pipeline into its
 * stages. Empty when it cannot be cut further.
 */
export function cutOptions(filter: PartitionFilter, pipelines: PipelineStages[]): PartitionFilter[][] {
  const stages = pipelines.find((p) => p.pipelineId === filter.pipelineId)?.stageIds ?? [];
  const options: PartitionFilter[][] = [];
  if (filter.pipelineId !== undefined && filter.pipelineStageId === undefined && stages.length > 1)
    options.push(stages.map((stageId): PartitionFilter => ({ ...filter, pipelineStageId: stageId })));
  if (filter.status === undefined)
    options.push(PARTITION_STATUSES.map((status): PartitionFilter => ({ ...filter, status })));
  return options;
}

/** Whether a record (as search returns it) falls in a partition. */
export function inPartition(record: unknown, filter: PartitionFilter): boolean {
  if (typeof record !== 'object' || record === null) return false;
  const r = record as Record<string, unknown>;
  return (
    (filter.pipelineId === undefined || r['pipelineId'] === filter.pipelineId) &&
    (filter.pipelineStageId === undefined || r['pipelineStageId'] === filter.pipelineStageId) &&
    (filter.status === undefined || r['status'] === filter.status)
  );
}

/** Whether two partition filters are the same partition (key order does not matter; jsonb reorders keys). */
export function samePartition(a: PartitionFilter | null, b: PartitionFilter | null): boolean {
  if (a === null || b === null) return a === b;
  return a.pipelineId === b.pipelineId && a.pipelineStageId === b.pipelineStageId && a.status === b.status;
}

/** A short label for logs and reasons: `pipeline X / stage Y / status Z`, or `all`. */
export function describePartition(filter: PartitionFilter | null): string {
  if (filter === null) return 'all';
  const parts: string[] = [];
  if (filter.pipelineId !== undefined) parts.push(`pipeline ${filter.pipelineId}`);
  if (filter.pipelineStageId !== undefined) parts.push(`stage ${filter.pipelineStageId}`);
  if (filter.status !== undefined) parts.push(`status ${filter.status}`);
  return parts.join(' / ') || 'all';
}

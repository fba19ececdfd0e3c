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
   * A partition above `maxShare × total / chains` records is cut: a chain that lists more than its
   * share finishes last, alone, while the budget idles.
   */
  maxShare: number;
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
 * that can be cut is replaced by its next finer cut ({@link splitPartition}: pipeline → its stages,
 * stage → its statuses) while there are fewer partitions than chains or one holds more than its
 * fair share; every other partition stays as coarse as it is. Coarse partitions mean fewer short
 * last pages, so fewer requests, than cutting the whole listing at a finer level.
 *
 * A cut partition's size is shared among its children in proportion to `weight(child)` (for
 * example how many records of a sample fall in each; equal shares when all weights are 0).
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
  const total = plan.reduce((n, p) => n + p.size, 0);
  const fairShare = total / Math.max(1, rules.chains);
  for (;;) {
    const candidates = plan
      .map((p, i) => ({ p, i, children: splitPartition(p.filter, pipelines) }))
      .filter((c) => c.children !== null && c.p.size > rules.minSplitSize)
      .sort((a, b) => b.p.size - a.p.size);
    const largest = candidates[0];
    if (largest === undefined) return plan;
    // Empty partitions (known to be) give a chain nothing to list.
    const listed = plan.filter((p) => p.size > 0).length;
    const needed = listed < rules.chains || largest.p.size > rules.maxShare * fairShare;
    if (!needed || plan.length - 1 + largest.children!.length > rules.maxPartitions) return plan;
    const weights = largest.children!.map((f) => Math.max(0, weight(f)));
    const sum = weights.reduce((n, w) => n + w, 0);
    const children = largest.children!.map((filter, k) => ({
      filter,
      size: sum > 0 ? (largest.p.size * weights[k]!) / sum : largest.p.size / weights.length,
    }));
    plan = [...plan.slice(0, largest.i), ...children, ...plan.slice(largest.i + 1)];
  }
}

/**
 * The next finer cut of one partition (pipeline → its stages, stage → its statuses), or null when
 * it cannot be cut further. A pipeline without stages (or with one) is cut by status.
 */
export function splitPartition(filter: PartitionFilter, pipelines: PipelineStages[]): PartitionFilter[] | null {
  if (filter.status !== undefined) return null;
  if (filter.pipelineStageId === undefined && filter.pipelineId !== undefined) {
    const stages = pipelines.find((p) => p.pipelineId === filter.pipelineId)?.stageIds ?? [];
    if (stages.length > 1)
      return stages.map((stageId) => ({ pipelineId: filter.pipelineId, pipelineStageId: stageId }));
  }
  return PARTITION_STATUSES.map((status) => ({ ...filter, status }));
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

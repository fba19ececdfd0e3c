import type { PartitionFilter, PipelineStages } from '@ghl-sync/db';

/** Every value of the documented `status` filter except `all` (official `opportunities.json`). */
export const PARTITION_STATUSES = ['open', 'won', 'lost', 'abandoned'] as const;

/**
 * The ways to cut a location's listing into disjoint partitions, coarsest first: by pipeline; by
 * stage (a pipeline without stages stays whole); by stage and status. Every level covers the same
 * opportunities as long as each one is in a pipeline and stage GHL lists and has one of the four
 * documented statuses — which is exactly what the completeness check verifies, never assumes.
 */
export function partitionLevels(pipelines: PipelineStages[]): PartitionFilter[][] {
  const byPipeline = pipelines.map((p): PartitionFilter => ({ pipelineId: p.pipelineId }));
  const byStage = pipelines.flatMap((p): PartitionFilter[] =>
    p.stageIds.length === 0
      ? [{ pipelineId: p.pipelineId }]
      : p.stageIds.map((stageId) => ({ pipelineId: p.pipelineId, pipelineStageId: stageId })),
  );
  const byStatus = byStage.flatMap((f) => PARTITION_STATUSES.map((status): PartitionFilter => ({ ...f, status })));
  return [byPipeline, byStage, byStatus];
}

/**
 * The partitions pass 1 lists for `chains` concurrent chains: the coarsest level with at least one
 * partition per chain (coarser means fewer short last pages, so fewer requests), else the finest.
 */
export function planPartitions(pipelines: PipelineStages[], chains: number): PartitionFilter[] {
  const levels = partitionLevels(pipelines);
  return levels.find((level) => level.length >= chains) ?? levels[levels.length - 1]!;
}

/**
 * The next finer cut of one partition (pipeline → its stages, stage → its statuses), or null when
 * it cannot be cut further. Used to split a partition far larger than the rest.
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

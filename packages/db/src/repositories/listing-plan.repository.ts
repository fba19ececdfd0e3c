import type { Queryable } from '../create-db.js';
import type { PartitionFilter } from './pages.repository.js';

/** One partition of a partitioned pass 1, with what its first page said. */
export interface PlannedPartition {
  filter: PartitionFilter;
  /** `meta.total` of the partition's first page (null when GHL did not say). */
  total: number | null;
}

/**
 * How pass 1 lists a run, stored in `ghl.sync_runs.listing_plan` before its first page is recorded
 * so a restarted coordinator resumes the same plan.
 */
export type ListingPlan =
  | {
      kind: 'single';
      /** Why one chain: enough to keep the budget busy, or why partitions were not used. */
      reason: string;
      /** Answer time of the first search request, in ms. */
      answerMs: number;
    }
  | {
      kind: 'partitioned';
      /** Cursor chains run at once. */
      chains: number;
      answerMs: number;
      /** `meta.total` of the unfiltered first page, which the partitions' totals add up to. */
      unfilteredTotal: number;
      partitions: PlannedPartition[];
    };

/** The run's listing plan, or null when pass 1 has not chosen one yet. */
export async function getListingPlan(db: Queryable, runId: number): Promise<ListingPlan | null> {
  const { rows } = await db.query<{ plan: ListingPlan | null }>(
    `SELECT listing_plan AS plan FROM ghl.sync_runs WHERE id = $1`,
    [runId],
  );
  return rows[0]?.plan ?? null;
}

/**
 * Stores the run's listing plan and the listing's `meta.total` (what the sweep guard compares the
 * distinct ids listed with). The first plan stored wins: a second coordinator racing the first
 * gets the stored one back.
 */
export async function saveListingPlan(
  db: Queryable,
  runId: number,
  plan: ListingPlan,
  reportedTotal: number | null,
): Promise<ListingPlan> {
  const { rows } = await db.query<{ plan: ListingPlan }>(
    `UPDATE ghl.sync_runs SET listing_plan = coalesce(listing_plan, $2::jsonb),
       reported_total = CASE WHEN listing_plan IS NULL THEN coalesce($3, reported_total) ELSE reported_total END
     WHERE id = $1 RETURNING listing_plan AS plan`,
    [runId, JSON.stringify(plan), reportedTotal],
  );
  return rows[0]!.plan;
}

/** A pipeline of a location with its stage ids in position order, as last synced. */
export interface PipelineStages {
  pipelineId: string;
  stageIds: string[];
}

/** The location's pipelines and stages as synced from GHL (the partitions of pass 1 are cut from them). */
export async function listPipelineStages(db: Queryable, locationId: string): Promise<PipelineStages[]> {
  const { rows } = await db.query<PipelineStages>(
    `SELECT p.id AS "pipelineId",
            coalesce(array_agg(s.id ORDER BY s.position NULLS LAST, s.id) FILTER (WHERE s.id IS NOT NULL), '{}') AS "stageIds"
     FROM ghl.pipelines p LEFT JOIN ghl.pipeline_stages s ON s.pipeline_id = p.id
     WHERE p.location_id = $1 GROUP BY p.id ORDER BY p.id`,
    [locationId],
  );
  return rows;
}

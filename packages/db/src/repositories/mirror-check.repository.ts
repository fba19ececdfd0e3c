import type { Queryable } from '../create-db.js';

/** The fields of a mirrored opportunity that a check against upstream compares. */
export interface MirroredOpportunity {
  id: string;
  name: string | null;
  pipelineStageId: string | null;
  /** NUMERIC as text, with the scale it was written with ("1500.50"). */
  monetaryValue: string | null;
  status: string | null;
  /** Set when the row is a tombstone (deleted upstream). */
  deletedAt: Date | null;
}

/**
 * The rows of `ids` in the location, live or tombstoned; ids with no row are absent from the answer.
 * One query per call: callers pass a bounded batch (the check uses 1,000).
 */
export async function getMirroredOpportunities(
  db: Queryable,
  locationId: string,
  ids: readonly string[],
): Promise<MirroredOpportunity[]> {
  const { rows } = await db.query<MirroredOpportunity>(
    `SELECT id, name, pipeline_stage_id AS "pipelineStageId", monetary_value::text AS "monetaryValue",
            status, deleted_at AS "deletedAt"
     FROM ghl.opportunities WHERE location_id = $1 AND id = ANY($2::text[])`,
    [locationId, ids],
  );
  return rows;
}

/** How many rows of the location are live and how many are tombstones. */
export async function countMirroredOpportunities(
  db: Queryable,
  locationId: string,
): Promise<{ live: number; tombstoned: number }> {
  const { rows } = await db.query<{ live: number; tombstoned: number }>(
    `SELECT count(*) FILTER (WHERE deleted_at IS NULL) AS live,
            count(*) FILTER (WHERE deleted_at IS NOT NULL) AS tombstoned
     FROM ghl.opportunities WHERE location_id = $1`,
    [locationId],
  );
  return rows[0]!;
}

import type { Queryable } from '../create-db.js';

/** A pipeline with its stages, as stored. */
export interface PipelineRow {
  id: string;
  name: string | null;
  raw: unknown;
  stages: Array<{ id: string; name: string | null; position: number | null; raw: unknown }>;
}

/**
 * Replaces a location's pipelines and stages with what GHL returned (one call per run): upserts
 * every one given and deletes the location's pipelines and stages that are gone.
 */
export async function replacePipelines(
  db: Queryable & { withTransaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> },
  locationId: string,
  pipelines: PipelineRow[],
): Promise<{ pipelines: number; stages: number }> {
  const stages = pipelines.flatMap((p) => p.stages.map((s) => ({ ...s, pipeline_id: p.id })));
  return db.withTransaction(async (tx) => {
    await tx.query(
      `INSERT INTO ghl.pipelines AS p (id, location_id, name, raw, synced_at)
       SELECT id, $1, name, raw, now() FROM jsonb_to_recordset($2::jsonb) AS r(id text, name text, raw jsonb)
       ON CONFLICT (id) DO UPDATE SET location_id = EXCLUDED.location_id, name = EXCLUDED.name, raw = EXCLUDED.raw, synced_at = now()`,
      [locationId, JSON.stringify(pipelines.map((p) => ({ id: p.id, name: p.name, raw: p.raw })))],
    );
    await tx.query(
      `INSERT INTO ghl.pipeline_stages AS s (id, pipeline_id, location_id, name, position, raw, synced_at)
       SELECT id, pipeline_id, $1, name, position, raw, now() FROM jsonb_to_recordset($2::jsonb) AS r(id text, pipeline_id text, name text, position integer, raw jsonb)
       ON CONFLICT (id) DO UPDATE SET pipeline_id = EXCLUDED.pipeline_id, location_id = EXCLUDED.location_id, name = EXCLUDED.name,
         position = EXCLUDED.position, raw = EXCLUDED.raw, synced_at = now()`,
      [locationId, JSON.stringify(stages)],
    );
    await tx.query(`DELETE FROM ghl.pipeline_stages WHERE location_id = $1 AND NOT (id = ANY($2::text[]))`, [
      locationId,
      stages.map((s) => s.id),
    ]);
    await tx.query(`DELETE FROM ghl.pipelines WHERE location_id = $1 AND NOT (id = ANY($2::text[]))`, [
      locationId,
      pipelines.map((p) => p.id),
    ]);
    return { pipelines: pipelines.length, stages: stages.length };
  });
}

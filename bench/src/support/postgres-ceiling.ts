import type { Db } from '@ghl-sync/db';

/** The database's own upsert speed for the rows a sync just wrote. */
export interface PostgresCeiling {
  rows: number;
  ms: number;
}

const COLUMNS = [
  'id',
  'location_id',
  'name',
  'monetary_value',
  'status',
  'pipeline_id',
  'pipeline_stage_id',
  'contact_id',
  'assigned_to',
  'source',
  'lost_reason_id',
  'created_at',
  'updated_at',
  'last_status_change_at',
  'last_stage_change_at',
  'custom_fields',
  'raw',
  'deleted_at',
  'last_seen_run_id',
  'synced_at',
];

/**
 * Copies the synced rows of `locationId` into a scratch table, then upserts all of them into a
 * fresh, empty copy of `ghl.opportunities` (same columns, indexes and fillfactor; logged, like the
 * real table) with one `INSERT … SELECT … ON CONFLICT DO UPDATE` and times only that statement.
 * Both scratch tables are dropped afterwards.
 */
export async function measurePostgresCeiling(db: Db, locationId: string): Promise<PostgresCeiling> {
  await db.query(`DROP TABLE IF EXISTS ghl.bench_ceiling_src, ghl.bench_ceiling_dst`);
  await db.query(`CREATE TABLE ghl.bench_ceiling_src AS SELECT * FROM ghl.opportunities WHERE location_id = $1`, [
    locationId,
  ]);
  await db.query(`CREATE TABLE ghl.bench_ceiling_dst (LIKE ghl.opportunities INCLUDING ALL) WITH (fillfactor = 90)`);
  await db.query(`ANALYZE ghl.bench_ceiling_src`);
  // A checkpoint first, so the timed statement does not pay for the sync's dirty pages.
  await db.query(`CHECKPOINT`).catch(() => undefined);
  try {
    const started = performance.now();
    const res = await db.query(
      `INSERT INTO ghl.bench_ceiling_dst AS o (${COLUMNS.join(', ')})
       SELECT ${COLUMNS.join(', ')} FROM ghl.bench_ceiling_src
       ON CONFLICT (id) DO UPDATE SET ${COLUMNS.slice(1)
         .map((c) => `${c} = EXCLUDED.${c}`)
         .join(', ')}
       WHERE o.raw IS DISTINCT FROM EXCLUDED.raw`,
    );
    return { rows: res.rowCount ?? 0, ms: performance.now() - started };
  } finally {
    await db.query(`DROP TABLE IF EXISTS ghl.bench_ceiling_src, ghl.bench_ceiling_dst`);
  }
}

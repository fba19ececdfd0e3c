import type pg from 'pg';
import { mapSeedRecord } from './map-record.js';

/**
 * The seed script's per-record write: one SELECT to see whether the row exists, then one INSERT
 * or one UPDATE of that row, with the seed script's own mapping.
 * @returns what it did and how many statements it sent.
 */
export async function writeSeedRecord(
  pool: pg.Pool,
  locationId: string,
  record: Record<string, unknown>,
): Promise<{ op: 'inserted' | 'updated' | 'skipped'; queries: number }> {
  const row = mapSeedRecord(record);
  if (!row) return { op: 'skipped', queries: 0 };
  const existing = await pool.query('SELECT id FROM ghl.opportunities WHERE id = $1', [row.id]);
  const [id, ...rest] = row.values;
  const values = [id, locationId, ...rest];
  if (existing.rowCount === 0) {
    await pool.query(
      `INSERT INTO ghl.opportunities (id, location_id, name, monetary_value, status, pipeline_id, pipeline_stage_id, contact_id, assigned_to, source,
         lost_reason_id, created_at, updated_at, last_status_change_at, last_stage_change_at, custom_fields, raw)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
      values,
    );
    return { op: 'inserted', queries: 2 };
  }
  await pool.query(
    `UPDATE ghl.opportunities SET location_id = $2, name = $3, monetary_value = $4, status = $5, pipeline_id = $6, pipeline_stage_id = $7,
       contact_id = $8, assigned_to = $9, source = $10, lost_reason_id = $11, created_at = $12, updated_at = $13,
       last_status_change_at = $14, last_stage_change_at = $15, custom_fields = $16, raw = $17, deleted_at = NULL, synced_at = now()
     WHERE id = $1`,
    values,
  );
  return { op: 'updated', queries: 2 };
}

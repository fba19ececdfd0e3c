import type { Db, Queryable } from '../create-db.js';

/** What a sweep would delete: live rows of the location that pass 1 of this run did not see. */
export async function countSweepCandidates(
  db: Queryable,
  runId: number,
  locationId: string,
): Promise<{ live: number; unseen: number }> {
  const { rows } = await db.query<{ live: number; unseen: number }>(
    `SELECT count(*) AS live,
            count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM ghl.sync_run_marks m WHERE m.run_id = $1 AND m.opportunity_id = o.id)) AS unseen
     FROM ghl.opportunities o WHERE o.location_id = $2 AND o.deleted_at IS NULL`,
    [runId, locationId],
  );
  return rows[0]!;
}

/**
 * The sweep: tombstones (sets `deleted_at`) every live row of the location that pass 1 of `runId`
 * did not see, and records the count on the run, in one transaction: a crash between the two
 * leaves neither, so the run still reads `sweep_status = 'pending'` exactly when nothing was
 * tombstoned. Rows are never hard-deleted here; {@link purgeTombstones} does that much later.
 * @returns the number of rows tombstoned.
 */
export async function sweepUnseen(db: Db, runId: number, locationId: string): Promise<number> {
  return db.withTransaction(async (tx) => {
    const result = await tx.query(
      `UPDATE ghl.opportunities o SET deleted_at = now()
       WHERE o.location_id = $2 AND o.deleted_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM ghl.sync_run_marks m WHERE m.run_id = $1 AND m.opportunity_id = o.id)`,
      [runId, locationId],
    );
    const deleted = result.rowCount ?? 0;
    await tx.query(`UPDATE ghl.sync_runs SET deleted = $2, sweep_status = 'done' WHERE id = $1`, [runId, deleted]);
    return deleted;
  });
}

/** Forgets a finished run's marks (they only matter until its sweep). @returns rows removed. */
export async function clearMarks(db: Queryable, runId: number): Promise<number> {
  const result = await db.query(`DELETE FROM ghl.sync_run_marks WHERE run_id = $1`, [runId]);
  return result.rowCount ?? 0;
}

/** Hard-deletes tombstones older than `olderThanDays`. @returns rows removed. */
export async function purgeTombstones(db: Queryable, olderThanDays: number): Promise<number> {
  const result = await db.query(
    `DELETE FROM ghl.opportunities WHERE deleted_at IS NOT NULL AND deleted_at < now() - make_interval(days => $1)`,
    [olderThanDays],
  );
  return result.rowCount ?? 0;
}

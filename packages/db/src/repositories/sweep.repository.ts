import { pendingWebhookEventFor } from './pending-webhook-event.js';
import type { Queryable } from '../create-db.js';

// A row written since the run started (by a webhook, say, for an opportunity created while pass 1
// was listing) may simply have been out of pass 1's sight: it is never a sweep candidate.
const UNSEEN = `NOT EXISTS (SELECT 1 FROM ghl.sync_run_marks m WHERE m.run_id = $1 AND m.opportunity_id = o.id)
  AND o.synced_at < (SELECT r.started_at FROM ghl.sync_runs r WHERE r.id = $1)`;
// A tombstone whose opportunity has an event waiting (an OpportunityDelete, or any event whose
// re-read will find it gone) is counted in `deleted_announced`: webhooks had not missed it.
const ANNOUNCED = pendingWebhookEventFor('o.location_id', 'o.id');

/**
 * What a sweep would delete: live rows of the location that pass 1 of this run did not see and
 * that were last written before the run started.
 */
export async function countSweepCandidates(
  db: Queryable,
  runId: number,
  locationId: string,
): Promise<{ live: number; unseen: number }> {
  const { rows } = await db.query<{ live: number; unseen: number }>(
    `SELECT count(*) AS live,
            count(*) FILTER (WHERE ${UNSEEN}) AS unseen
     FROM ghl.opportunities o WHERE o.location_id = $2 AND o.deleted_at IS NULL`,
    [runId, locationId],
  );
  return rows[0]!;
}

/**
 * The sweep: tombstones (sets `deleted_at`) every live row of the location that pass 1 of `runId`
 * did not see and that nothing wrote since the run started, and records the count on the run, in one statement: a crash
 * leaves neither, so the run still reads `sweep_status = 'pending'` exactly when nothing was
 * tombstoned. Rows are never hard-deleted here; {@link purgeTombstones} does that much later.
 * @returns the number of rows tombstoned.
 */
export async function sweepUnseen(db: Queryable, runId: number, locationId: string): Promise<number> {
  // One statement is atomic by itself: the tombstones and the run's count land together or not at all.
  const { rows } = await db.query<{ deleted: number }>(
    `WITH gone AS (
       UPDATE ghl.opportunities o SET deleted_at = now()
       WHERE o.location_id = $2 AND o.deleted_at IS NULL AND ${UNSEEN}
       RETURNING ${ANNOUNCED} AS announced)
     UPDATE ghl.sync_runs SET deleted = (SELECT count(*) FROM gone),
       deleted_announced = (SELECT count(*) FILTER (WHERE announced) FROM gone), sweep_status = 'done'
     WHERE id = $1 RETURNING deleted`,
    [runId, locationId],
  );
  return rows[0]?.deleted ?? 0;
}

/**
 * Up to `limit` sweep candidates of the run (the rows {@link sweepUnseen} would tombstone), in id
 * order after `afterId`: the sweep verifies them one by one, so a batch at a time keeps memory flat.
 */
export async function listSweepCandidates(
  db: Queryable,
  runId: number,
  locationId: string,
  options: { afterId: string | null; limit: number },
): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT o.id FROM ghl.opportunities o
     WHERE o.location_id = $2 AND o.deleted_at IS NULL AND ${UNSEEN} AND ($3::text IS NULL OR o.id > $3)
     ORDER BY o.id LIMIT $4`,
    [runId, locationId, options.afterId, options.limit],
  );
  return rows.map((r) => r.id);
}

/**
 * Records how many candidates the sweep found and the verification cap then in force, the first
 * time it counts them (a resumed sweep keeps the first count and cap).
 */
export async function recordSweepCandidates(
  db: Queryable,
  runId: number,
  candidates: number,
  verifyMax: number,
): Promise<void> {
  await db.query(
    `UPDATE ghl.sync_runs SET sweep_verify_max = CASE WHEN sweep_candidates IS NULL THEN $3 ELSE sweep_verify_max END,
       sweep_candidates = COALESCE(sweep_candidates, $2)
     WHERE id = $1`,
    [runId, candidates, verifyMax],
  );
}

/**
 * Tombstones one candidate GHL confirmed gone, and counts it on the run (`deleted`,
 * `sweep_verified_gone`) in the same statement. Nothing happens when the row stopped being a
 * candidate meanwhile (a webhook wrote it, say).
 * @returns whether the row was tombstoned.
 */
export async function tombstoneVerifiedGone(
  db: Queryable,
  runId: number,
  locationId: string,
  id: string,
): Promise<boolean> {
  // One statement (atomic): verification runs these concurrently, each holding a client once.
  const result = await db.query(
    `WITH gone AS (
       UPDATE ghl.opportunities o SET deleted_at = now()
       WHERE o.id = $3 AND o.location_id = $2 AND o.deleted_at IS NULL AND ${UNSEEN}
       RETURNING ${ANNOUNCED} AS announced)
     UPDATE ghl.sync_runs SET deleted = deleted + 1, sweep_verified_gone = sweep_verified_gone + 1,
       deleted_announced = deleted_announced + (SELECT count(*) FILTER (WHERE announced) FROM gone)::integer
     WHERE id = $1 AND EXISTS (SELECT 1 FROM gone)`,
    [runId, locationId, id],
  );
  return result.rowCount === 1;
}

/**
 * Marks a candidate GHL still has as seen by the run (so a resumed sweep does not ask again) and
 * counts it (`sweep_verified_alive`), in one statement.
 */
export async function markVerifiedAlive(db: Queryable, runId: number, id: string): Promise<void> {
  await db.query(
    `WITH marked AS (
       INSERT INTO ghl.sync_run_marks (run_id, opportunity_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1)
     UPDATE ghl.sync_runs SET sweep_verified_alive = sweep_verified_alive + 1
     WHERE id = $1 AND EXISTS (SELECT 1 FROM marked)`,
    [runId, id],
  );
}

/** Ends a verified sweep: every candidate was confirmed (gone ones already tombstoned and counted). */
export async function finishVerifiedSweep(db: Queryable, runId: number): Promise<void> {
  await db.query(`UPDATE ghl.sync_runs SET sweep_status = 'done' WHERE id = $1`, [runId]);
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

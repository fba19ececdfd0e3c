import type { Queryable } from '../create-db.js';

/** A record-level problem of a run, as `ghl-sync runs show` lists it. */
export interface RunErrorRecord {
  pageNo: number | null;
  opportunityId: string | null;
  code: string;
  message: string;
  createdAt: Date;
}

/** The run's record-level errors in page order. @param limit - @defaultValue 1000 */
export async function listRunErrors(db: Queryable, runId: number, limit = 1000): Promise<RunErrorRecord[]> {
  const { rows } = await db.query<RunErrorRecord>(
    `SELECT page_no AS "pageNo", opportunity_id AS "opportunityId", code, message, created_at AS "createdAt"
     FROM ghl.sync_run_errors WHERE run_id = $1 ORDER BY page_no NULLS FIRST, id LIMIT $2`,
    [runId, limit],
  );
  return rows;
}

/** Records a run-level or page-level error outside a page write (e.g. a page that failed for good). */
export async function addRunError(
  db: Queryable,
  runId: number,
  error: { pageNo?: number | null; opportunityId?: string | null; code: string; message: string },
): Promise<void> {
  await db.query(
    `INSERT INTO ghl.sync_run_errors (run_id, page_no, opportunity_id, code, message) VALUES ($1, $2, $3, $4, $5)`,
    [runId, error.pageNo ?? null, error.opportunityId ?? null, error.code, error.message],
  );
}

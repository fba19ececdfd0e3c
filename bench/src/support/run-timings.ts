import type { Db, SyncRun } from '@ghl-sync/db';

/** The phases of one finished run, in ms, from the database's own clock. */
export interface RunTimings {
  /** started_at → finished_at. */
  totalMs: number;
  /** Pass 1: started_at → listing_finished_at (pipelines call and the cursor walk). */
  pass1Ms: number;
  /** Pass 2: listing_finished_at → finished_at (sweep, enqueue, page jobs, finalize). */
  pass2Ms: number;
  /** listing_finished_at → first page job started: the guarded sweep and the flow enqueue. */
  sweepMs: number;
  /** First page job started → last page written. */
  pagesMs: number;
}

/** Reads the phase boundaries of a finished run from `sync_runs` and `sync_run_pages`. */
export async function runTimings(db: Db, run: SyncRun): Promise<RunTimings> {
  const { rows } = await db.query<{ first_start: Date | null; last_finish: Date | null }>(
    `SELECT min(started_at) AS first_start, max(finished_at) AS last_finish FROM ghl.sync_run_pages WHERE run_id = $1`,
    [run.id],
  );
  const start = run.startedAt.getTime();
  const listed = run.listingFinishedAt?.getTime() ?? NaN;
  const finished = run.finishedAt?.getTime() ?? NaN;
  const firstPage = rows[0]?.first_start?.getTime() ?? NaN;
  const lastPage = rows[0]?.last_finish?.getTime() ?? NaN;
  return {
    totalMs: finished - start,
    pass1Ms: listed - start,
    pass2Ms: finished - listed,
    sweepMs: firstPage - listed,
    pagesMs: lastPage - firstPage,
  };
}

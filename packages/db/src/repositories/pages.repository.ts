import type { GhlCursor } from '@ghl-sync/ghl-client';
import type { Queryable } from '../create-db.js';

/**
 * A keyset position in GHL's newest-first order (epoch ms + sort id, ghl-api.md §1.3): the client's
 * cursor type, so a stored page range and the cursor a page job requests with are one type.
 */
type PageKey = GhlCursor;

/**
 * A partition of the listing: documented search filters (official `opportunities.json`:
 * `pipeline_id`, `pipeline_stage_id`, `status`) that every request of its cursor chain repeats.
 */
export interface PartitionFilter {
  pipelineId?: string;
  pipelineStageId?: string;
  status?: 'open' | 'won' | 'lost' | 'abandoned';
}

/** What pass 1 learned about one page. */
export interface ListedPage {
  runId: number;
  /** Unique within the run, across partitions (page jobs and their priority use it). */
  pageNo: number;
  /** The partition the page belongs to; null = the whole, unfiltered listing. */
  partition: PartitionFilter | null;
  /** 1-based position of the page within its partition's cursor chain. */
  chainPageNo: number;
  /** Cursor the page was requested with (exclusive); null = the beginning of the listing. */
  start: PageKey | null;
  /** Key of the last record pass 1 saw on the page: the inclusive end of the page's range. */
  end: PageKey | null;
  /** Cursor GHL returned for the next page (null on the last page). */
  next: PageKey | null;
  isLast: boolean;
  listed: number;
}

/** A page row as page jobs and reports read it. */
export interface SyncRunPage extends ListedPage {
  status: 'listed' | 'running' | 'done' | 'failed';
  fetched: number;
  inserted: number;
  updated: number;
  unchanged: number;
  duplicates: number;
  recordErrors: number;
  apiCalls: number;
  attempts: number;
  errorCode: string | null;
  error: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** The row as selected: the listed page's key range flattened into columns, then the page's progress. */
interface PageRow extends Omit<SyncRunPage, keyof ListedPage> {
  runId: number;
  pageNo: number;
  partition: PartitionFilter | null;
  chainPageNo: number | null;
  startAfter: number | null;
  startAfterId: string | null;
  endAfter: number | null;
  endAfterId: string | null;
  nextAfter: number | null;
  nextAfterId: string | null;
  isLast: boolean;
  listed: number;
}

const PAGE_COLUMNS = `run_id AS "runId", page_no AS "pageNo", partition_filter AS "partition", chain_page_no AS "chainPageNo", start_after AS "startAfter", start_after_id AS "startAfterId",
  end_after AS "endAfter", end_after_id AS "endAfterId", next_after AS "nextAfter", next_after_id AS "nextAfterId",
  is_last AS "isLast", listed, status, fetched, inserted, updated, unchanged, duplicates, record_errors AS "recordErrors",
  api_calls AS "apiCalls", attempts, error_code AS "errorCode", error, started_at AS "startedAt", finished_at AS "finishedAt"`;

function key(ms: number | null, id: string | null): PageKey | null {
  return ms === null || id === null ? null : { startAfter: ms, startAfterId: id };
}

function toPage(row: PageRow): SyncRunPage {
  const { startAfter, startAfterId, endAfter, endAfterId, nextAfter, nextAfterId, chainPageNo, ...rest } = row;
  return {
    ...rest,
    // Pages listed before partitions existed were one chain, numbered in order.
    chainPageNo: chainPageNo ?? row.pageNo,
    start: key(startAfter, startAfterId),
    end: key(endAfter, endAfterId),
    next: key(nextAfter, nextAfterId),
  };
}

/** One page of a run, or null. */
export async function getPage(db: Queryable, runId: number, pageNo: number): Promise<SyncRunPage | null> {
  const { rows } = await db.query<PageRow>(
    `SELECT ${PAGE_COLUMNS} FROM ghl.sync_run_pages WHERE run_id = $1 AND page_no = $2`,
    [runId, pageNo],
  );
  return rows[0] ? toPage(rows[0]) : null;
}

/** The last page pass 1 recorded: where a restarted coordinator resumes. */
export async function getLastListedPage(db: Queryable, runId: number): Promise<SyncRunPage | null> {
  const { rows } = await db.query<PageRow>(
    `SELECT ${PAGE_COLUMNS} FROM ghl.sync_run_pages WHERE run_id = $1 ORDER BY page_no DESC LIMIT 1`,
    [runId],
  );
  return rows[0] ? toPage(rows[0]) : null;
}

/** The last recorded page of every partition of a run (a restarted coordinator resumes each after it). */
export async function getLastPagePerPartition(db: Queryable, runId: number): Promise<SyncRunPage[]> {
  const { rows } = await db.query<PageRow>(
    `SELECT DISTINCT ON (partition_filter) ${PAGE_COLUMNS} FROM ghl.sync_run_pages
     WHERE run_id = $1 ORDER BY partition_filter, coalesce(chain_page_no, page_no) DESC`,
    [runId],
  );
  return rows.map(toPage);
}

/** The highest page number of a run so far (0 when none). */
export async function getMaxPageNo(db: Queryable, runId: number): Promise<number> {
  const { rows } = await db.query<{ max: number }>(
    `SELECT coalesce(max(page_no), 0)::int AS max FROM ghl.sync_run_pages WHERE run_id = $1`,
    [runId],
  );
  return rows[0]!.max;
}

/** Every page of a run in order (reports; 100 records a page keeps this small). */
export async function listPages(db: Queryable, runId: number): Promise<SyncRunPage[]> {
  const { rows } = await db.query<PageRow>(
    `SELECT ${PAGE_COLUMNS} FROM ghl.sync_run_pages WHERE run_id = $1 ORDER BY page_no`,
    [runId],
  );
  return rows.map(toPage);
}

/** Page numbers of a run, for enqueueing one job per page. */
export async function listPageNumbers(db: Queryable, runId: number): Promise<number[]> {
  const { rows } = await db.query<{ pageNo: number }>(
    `SELECT page_no AS "pageNo" FROM ghl.sync_run_pages WHERE run_id = $1 ORDER BY page_no`,
    [runId],
  );
  return rows.map((r) => r.pageNo);
}

/**
 * Pass 1, one page, one statement: marks the page's ids as seen by the run (distinct across pages),
 * stamps `last_seen_run_id` on the rows that exist, records the page's key range, and adds to the
 * run's counters (`pages` counts page rows). A page number already recorded changes nothing (a
 * resumed coordinator).
 *
 * @returns how many ids on this page were new to the run (the rest were listed on an earlier page).
 */
export async function recordListedPage(
  db: Queryable,
  page: ListedPage & {
    locationId: string;
    ids: string[];
    /** Records on the page without a usable id. */
    withoutId: number;
    apiCalls: number;
    reportedTotal: number | null;
  },
): Promise<{ newIds: number; recorded: boolean }> {
  const { rows } = await db.query<{ newIds: number; recorded: boolean }>(
    `WITH page AS (
       INSERT INTO ghl.sync_run_pages (run_id, page_no, start_after, start_after_id, end_after, end_after_id, next_after, next_after_id, is_last, listed, partition_filter, chain_page_no)
       VALUES ($1, $4, $5, $6, $7, $8, $9, $10, $11, $12, $16::jsonb, $17)
       ON CONFLICT (run_id, page_no) DO NOTHING
       RETURNING page_no
     ), marked AS (
       INSERT INTO ghl.sync_run_marks (run_id, opportunity_id)
       SELECT $1, id FROM unnest($2::text[]) AS id WHERE EXISTS (SELECT 1 FROM page)
       ON CONFLICT DO NOTHING
       RETURNING opportunity_id
     ), stamped AS (
       UPDATE ghl.opportunities o SET last_seen_run_id = $1
       FROM marked m WHERE o.id = m.opportunity_id AND o.location_id = $3
       RETURNING 1
     ), run AS (
       UPDATE ghl.sync_runs SET
         listed = listed + (SELECT count(*) FROM marked),
         pages = pages + 1,
         listing_api_calls = listing_api_calls + $13, api_calls = api_calls + $13,
         reported_total = coalesce(reported_total, $14),
         listed_without_id = listed_without_id + $15
       WHERE id = $1 AND EXISTS (SELECT 1 FROM page)
       RETURNING 1
     )
     SELECT (SELECT count(*) FROM marked) AS "newIds", EXISTS (SELECT 1 FROM page) AS recorded`,
    [
      page.runId,
      page.ids,
      page.locationId,
      page.pageNo,
      page.start?.startAfter ?? null,
      page.start?.startAfterId ?? null,
      page.end?.startAfter ?? null,
      page.end?.startAfterId ?? null,
      page.next?.startAfter ?? null,
      page.next?.startAfterId ?? null,
      page.isLast,
      page.listed,
      page.apiCalls,
      page.reportedTotal,
      page.withoutId,
      page.partition === null ? null : JSON.stringify(page.partition),
      page.chainPageNo,
    ],
  );
  return rows[0]!;
}

/**
 * Claims a page for writing inside the caller's transaction (row lock). Two workers holding the same
 * page job (a stalled job picked up again) serialise here; the second sees `done` and writes nothing.
 */
export async function lockPageForWrite(tx: Queryable, runId: number, pageNo: number): Promise<SyncRunPage | null> {
  const { rows } = await tx.query<PageRow>(
    `SELECT ${PAGE_COLUMNS} FROM ghl.sync_run_pages WHERE run_id = $1 AND page_no = $2 FOR UPDATE`,
    [runId, pageNo],
  );
  return rows[0] ? toPage(rows[0]) : null;
}

/** Marks a page as started (attempt counter, for reports). */
export async function markPageRunning(db: Queryable, runId: number, pageNo: number): Promise<void> {
  await db.query(
    `UPDATE ghl.sync_run_pages SET status = 'running', attempts = attempts + 1, started_at = coalesce(started_at, now())
     WHERE run_id = $1 AND page_no = $2 AND status <> 'done'`,
    [runId, pageNo],
  );
}

/** Marks a page failed for good (after its last attempt). A page already done stays done. */
export async function markPageFailed(
  db: Queryable,
  runId: number,
  pageNo: number,
  errorCode: string,
  error: string,
  apiCalls: number,
): Promise<void> {
  await db.query(
    `UPDATE ghl.sync_run_pages SET status = 'failed', error_code = $3, error = $4, api_calls = api_calls + $5, finished_at = now()
     WHERE run_id = $1 AND page_no = $2 AND status <> 'done'`,
    [runId, pageNo, errorCode, error, apiCalls],
  );
}

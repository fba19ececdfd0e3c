import {
  databaseNow,
  getPage,
  getRun,
  markPageRunning,
  writeOpportunityPage,
  ACTIVE_RUN_STATUSES,
  type ContactRow,
  type OpportunityRow,
  type RecordErrorRow,
} from '@ghl-sync/db';
import { GhlSyncError } from '@ghl-sync/errors';
import { compareKeys, opportunityKey, type GhlCursor, type GhlOpportunity } from '@ghl-sync/ghl-client';
import type { PageJob } from '@ghl-sync/queues';
import { dedupeById } from './dedupe-page.js';
import { partitionParams } from './listing/record-page.js';
import { normalizeOpportunity } from './normalize-opportunity.js';
import type { JobContext, SyncDeps } from './sync-deps.js';
import { bindOnce } from './bind-once.js';

/** What a page job ended with. */
export interface PageResult {
  pageNo: number;
  inserted: number;
  updated: number;
  unchanged: number;
  duplicates: number;
  recordErrors: number;
  apiCalls: number;
  /** Why nothing was done (run finished or cancelled, page already written). */
  skipped?: string;
}

/**
 * A page job may wait this long for one request slot before it is delayed instead: short, so a
 * job of a busy location gives its worker slot back to other locations' pages.
 */
const PAGE_MAX_WAIT_MS = 1_000;
/** Guards against a range that never ends (GHL feeding the same records forever). */
const MAX_FETCHES_PER_PAGE = 50;

/**
 * Writes one page of a run. The page owns a key range: from its start cursor (exclusive) up to and
 * including the last key pass 1 saw on it. The job re-fetches from the start cursor, keeps fetching
 * while the range has grown, ignores records past the end, de-duplicates by id and writes the rest
 * in one transaction. Records created since pass 1 at the top of the listing fall in page 1's
 * range and are written; deleted ones simply shift the next records in, which lie past the end.
 */
export async function processPage(deps: SyncDeps, job: PageJob, ctx: JobContext): Promise<PageResult> {
  const log = bindOnce(deps.logger, { runId: job.runId, locationId: job.locationId, page: job.pageNo });
  const empty = {
    pageNo: job.pageNo,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    duplicates: 0,
    recordErrors: 0,
    apiCalls: 0,
  };
  const run = await getRun(deps.db, job.runId);
  if (!run || !ACTIVE_RUN_STATUSES.includes(run.status))
    return { ...empty, skipped: `run is ${run?.status ?? 'gone'}` };
  if (run.cancelRequested) return { ...empty, skipped: 'run cancelled' };
  const page = await getPage(deps.db, job.runId, job.pageNo);
  if (!page) throw new GhlSyncError('internal_error', `page ${job.pageNo} of run ${job.runId} was never listed`);
  if (page.status === 'done')
    return {
      ...empty,
      inserted: page.inserted,
      updated: page.updated,
      unchanged: page.unchanged,
      skipped: 'already written',
    };
  await markPageRunning(deps.db, job.runId, job.pageNo);

  const client = await deps.clientFor(job.locationId, { maxWaitMs: PAGE_MAX_WAIT_MS });
  // Before the first request: a row tombstoned after this (a webhook's delete) is newer than what we read.
  const fetchedAt = await databaseNow(deps.db);
  const inRange: GhlOpportunity[] = [];
  let cursor: GhlCursor | null = page.start;
  let apiCalls = 0;
  for (let fetches = 0; ; fetches++) {
    if (fetches >= MAX_FETCHES_PER_PAGE)
      throw new GhlSyncError(
        'pagination_stalled',
        `page ${job.pageNo}: range did not end after ${MAX_FETCHES_PER_PAGE} fetches`,
      );
    // The same filters as the chain that listed the page: its range is a range of its partition.
    const res = await client.searchOpportunities({ cursor, limit: deps.pageSize, ...partitionParams(page.partition) });
    apiCalls += res.attempts;
    // The end key is inclusive. Copies of a record can share it (a duplicated record), so read on
    // to the first key past the end; a next fetch could not return them anyway, as the cursor is
    // strictly-after, which is why reaching the end key in the last record also ends the range.
    let rangeEnded = false;
    for (const record of res.opportunities) {
      const key = opportunityKey(record);
      const position = page.end && key ? compareKeys(key, page.end) : -1;
      if (position > 0) {
        rangeEnded = true;
        break;
      }
      inRange.push(record);
      if (position === 0) rangeEnded = true;
    }
    if (rangeEnded || res.opportunities.length < deps.pageSize || !res.nextCursor) break;
    if (cursor && compareKeys(res.nextCursor, cursor) === 0)
      throw new GhlSyncError('pagination_stalled', `page ${job.pageNo}: GHL returned the cursor it was given`);
    // The range grew since pass 1 (records inserted inside it): fetch on until its end.
    cursor = res.nextCursor;
  }

  const { records, duplicates, duplicateIds } = dedupeById(inRange);
  const opportunities: OpportunityRow[] = [];
  const contacts = new Map<string, ContactRow>();
  const recordErrors: RecordErrorRow[] = duplicateIds.map((id) => ({
    opportunityId: id,
    code: 'record_duplicate',
    message: 'id appeared more than once in the page range; the later updatedAt (then the later copy) was kept',
  }));
  for (const record of records) {
    const n = normalizeOpportunity(record);
    recordErrors.push(...n.problems);
    if (n.row) opportunities.push(n.row);
    if (n.contact) contacts.set(n.contact.id, n.contact);
  }

  const result = await writeOpportunityPage(deps.db, {
    runId: job.runId,
    pageNo: job.pageNo,
    locationId: job.locationId,
    opportunities,
    contacts: [...contacts.values()],
    recordErrors,
    fetched: inRange.length,
    duplicates,
    apiCalls,
    force: run.mode === 'resync',
    fetchedAt,
  });
  if (!result.alreadyDone) deps.onPageWritten?.(result);
  const counts = {
    pageNo: job.pageNo,
    inserted: result.inserted,
    updated: result.updated,
    unchanged: result.unchanged,
    duplicates,
    recordErrors: recordErrors.length,
    apiCalls,
  };
  await ctx.updateProgress(counts);
  log.info(
    counts,
    `[Page ${job.pageNo}/${run.pages}] ${opportunities.length} ${opportunities.length === 1 ? 'opportunity' : 'opportunities'}. Inserted: ${result.inserted}, Updated: ${result.updated}, Unchanged: ${result.unchanged}${recordErrors.length ? `, Record errors: ${recordErrors.length}` : ''}`,
  );
  return result.alreadyDone ? { ...counts, skipped: 'already written' } : counts;
}

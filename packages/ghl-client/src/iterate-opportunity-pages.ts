import { GhlSyncError } from '@ghl-sync/errors';
import { GHL_MAX_SEARCH_LIMIT } from './constants.js';
import type { GhlClient, SearchOpportunitiesPage, SearchOpportunitiesParams } from './ghl-client.js';
import { sameCursor, type GhlCursor } from './ghl-cursor.js';
import { usableOpportunityId } from './opportunity-id.js';

/** Options of {@link iterateOpportunityPages}. */
export interface IterateOpportunityPagesOptions {
  /** Page size, 1–100. @defaultValue 100 */
  limit?: number;
  /** Resume from this cursor; null/absent starts at the newest record. */
  startCursor?: GhlCursor | null;
  /** Status filter. @defaultValue 'all' */
  status?: SearchOpportunitiesParams['status'];
  /** Pipeline filter (`pipeline_id`), repeated on every page. */
  pipelineId?: string;
  /** Stage filter (`pipeline_stage_id`), repeated on every page. */
  pipelineStageId?: string;
  /**
   * The answer to the first request, already asked (ahead of time, by a caller that had idle
   * budget): it must have been requested with `startCursor`, `limit` and these filters. It is
   * checked and yielded like any page; its rejection is thrown as the request's would be.
   */
  firstPage?: Promise<SearchOpportunitiesPage>;
}

/**
 * Walks every page with the keyset cursor, yielding pages as they come (ghl-api.md §1.3).
 *
 * Stops after a page that is empty, shorter than `limit`, or has no usable next cursor. `meta.total` is
 * never used to decide (it is reported approximate, §1.2 / quirk 5).
 *
 * Stall detection in constant memory — only the last two request cursors, the previous page's first id
 * and the first page's first id are kept:
 * - a next cursor equal to the cursor just used (or to the one before it: a two-page ping-pong), or
 * - a page whose first id equals the previous page's or the first page's (GHL ignoring the cursor and
 *   serving page 1 again, §1.3 [O S19])
 * throws GhlSyncError('pagination_stalled') instead of yielding the suspect page, so at most one call is
 * made beyond the last good page.
 *
 * @throws GhlSyncError `pagination_stalled`, or whatever `client.searchOpportunities` throws.
 */
export async function* iterateOpportunityPages(
  client: GhlClient,
  options: IterateOpportunityPagesOptions = {},
): AsyncGenerator<SearchOpportunitiesPage & { pageIndex: number }> {
  const limit = options.limit ?? GHL_MAX_SEARCH_LIMIT;
  let cursor: GhlCursor | null = options.startCursor ?? null;
  let previousRequestCursor: GhlCursor | null = null;
  let previousFirstId: string | undefined;
  let firstPageFirstId: string | undefined;

  for (let pageIndex = 0; ; pageIndex += 1) {
    const page =
      pageIndex === 0 && options.firstPage !== undefined
        ? await options.firstPage
        : await client.searchOpportunities({
            cursor,
            limit,
            status: options.status ?? 'all',
            ...(options.pipelineId !== undefined && { pipelineId: options.pipelineId }),
            ...(options.pipelineStageId !== undefined && { pipelineStageId: options.pipelineStageId }),
          });
    const firstId = usableOpportunityId(page.opportunities[0]?.id) ?? undefined;
    const stall = (reason: string, extra: Record<string, unknown>): GhlSyncError =>
      new GhlSyncError('pagination_stalled', `pagination stalled on page ${pageIndex}: ${reason}`, {
        details: {
          locationId: client.locationId,
          pageIndex,
          requestCursor: cursor,
          nextCursor: page.nextCursor,
          firstId,
          ...extra,
        },
      });

    if (pageIndex > 0 && firstId !== undefined) {
      if (firstId === previousFirstId) throw stall('first id repeats the previous page', {});
      if (firstId === firstPageFirstId) throw stall('first id repeats the first page (cursor ignored)', {});
    }
    const last = isLastPage(page, limit);
    // Only matters when we would follow it: a final page may echo any cursor.
    if (!last && (sameCursor(page.nextCursor, cursor) || sameCursor(page.nextCursor, previousRequestCursor))) {
      throw stall('next cursor did not advance', { previousRequestCursor });
    }

    yield { ...page, pageIndex };

    if (last) return;
    if (pageIndex === 0) firstPageFirstId = firstId;
    previousFirstId = firstId;
    previousRequestCursor = cursor;
    cursor = page.nextCursor;
  }
}

/**
 * Whether `page` ends its listing: no cursor to follow, or fewer records than `limit` asked for
 * (GHL's end-of-data signals, ghl-api.md §1.2). The one rule pass 1, its chains and the iterator share.
 */
export function isLastPage(
  page: Pick<SearchOpportunitiesPage, 'nextCursor' | 'opportunities'>,
  limit: number,
): boolean {
  const count = page.opportunities.length;
  return count === 0 || count < limit || page.nextCursor === null;
}

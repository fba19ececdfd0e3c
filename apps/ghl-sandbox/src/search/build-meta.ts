import type { SandboxKnobs } from '../knobs.js';
import { INFLATED_TOTAL } from '../knobs.js';
import type { SortKey } from '../data/record-view.js';
import type { SearchQuery } from './search-query.js';

/** Inputs of {@link buildMeta}. */
export interface MetaInput {
  query: SearchQuery;
  knobs: SandboxKnobs;
  /** Exact number of matches. */
  total: number;
  /** Cursor to hand out (already adjusted for the stall knob), undefined on an empty page. */
  nextKey: SortKey | undefined;
  hasMore: boolean;
  /** Scheme + host the client used, e.g. `http://127.0.0.1:4000`. */
  origin: string;
}

/**
 * `meta` of a search page (ghl-api.md §1.2), key order as in the captured response:
 * total, nextPageUrl, startAfterId, startAfter, currentPage, nextPage, prevPage.
 *
 * `currentPage` echoes `page` (default 1) and does not advance with cursor paging, as reported
 * [H S22]; `nextPage` = currentPage + 1 and `prevPage` null on page 1 match the capture [O S21].
 */
export function buildMeta(input: MetaInput): Record<string, unknown> {
  const { query, knobs, nextKey, hasMore } = input;
  const total =
    knobs.totalMode === 'exact' ? input.total : knobs.totalMode === 'inflated' ? INFLATED_TOTAL : knobs.totalMode;
  const currentPage = query.page;
  const prevPage = currentPage > 1 ? currentPage - 1 : null;
  if (hasMore && nextKey !== undefined) {
    // The real nextPageUrl echoes the request's filters plus the new cursor [O S21].
    const params = new URLSearchParams(
      query.raw.filter(([name]) => name !== 'startAfter' && name !== 'startAfterId' && name !== 'page'),
    );
    params.set('startAfter', String(nextKey.ms));
    params.set('startAfterId', nextKey.sid);
    return {
      total,
      nextPageUrl: `${input.origin}/opportunities/search?${params.toString()}`,
      startAfterId: nextKey.sid,
      startAfter: nextKey.ms,
      currentPage,
      nextPage: currentPage + 1,
      prevPage,
    };
  }
  // End of data: the sentinel is undocumented (ghl-api.md §1.2), so it is a knob.
  switch (knobs.endSentinel) {
    case 'empty':
      return {
        total,
        nextPageUrl: '',
        startAfterId: '',
        startAfter: nextKey?.ms ?? null,
        currentPage,
        nextPage: null,
        prevPage,
      };
    case 'absent':
      return { total, currentPage, prevPage };
    default:
      return {
        total,
        nextPageUrl: null,
        startAfterId: nextKey?.sid ?? null,
        startAfter: nextKey?.ms ?? null,
        currentPage,
        nextPage: null,
        prevPage,
      };
  }
}

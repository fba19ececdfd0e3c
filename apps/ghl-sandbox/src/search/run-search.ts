import type { OpportunityRecord } from '../data/opportunity-record.js';
import { isBefore, type RecordView, type SortKey, type ViewEntry } from '../data/record-view.js';
import type { SearchFilter } from './search-filter.js';
import type { SearchQuery } from './search-query.js';
import { serveRecord } from './serve-record.js';

/** One page of matches plus what meta needs. */
export interface SearchPage {
  records: OpportunityRecord[];
  /** Key of the last record on the page (the natural next cursor). */
  lastKey: SortKey | undefined;
  hasMore: boolean;
}

/** Reads `limit + 1` matches after the cursor: O(log n + limit) for unfiltered searches. */
export function readPage(view: RecordView, query: SearchQuery, filter: SearchFilter): SearchPage {
  const taken: ViewEntry[] = [];
  for (const entry of view.entries(query.cursor, query.dir)) {
    if (!filter.matches(entry)) continue;
    taken.push(entry);
    if (taken.length > query.limit) break;
  }
  const hasMore = taken.length > query.limit;
  if (hasMore) taken.pop();
  const last = taken[taken.length - 1];
  const records = taken.map((entry) => {
    const record = serveRecord(entry);
    // Embeds are requested per call (ghl-api.md §1.4); the sandbox has none to embed.
    if (query.getNotes) record['notes'] = [];
    if (query.getTasks) record['tasks'] = [];
    if (query.getCalendarEvents) record['calendarEvents'] = [];
    return record;
  });
  return { records, lastKey: last === undefined ? undefined : { ms: last.ms, sid: last.sid }, hasMore };
}

/** Number of matches, O(1) without a filter, otherwise a full scan. */
export function countMatches(view: RecordView, query: SearchQuery, filter: SearchFilter): number {
  if (filter.trivial) return view.size;
  let total = 0;
  for (const entry of view.entries(undefined, query.dir)) if (filter.matches(entry)) total += 1;
  return total;
}

/** 0-based page number of the request: matches at or before its cursor (already served) ÷ limit. */
export function pageIndexOf(view: RecordView, query: SearchQuery, filter: SearchFilter): number {
  const cursor = query.cursor;
  if (cursor === undefined) return 0;
  let before = 0;
  if (filter.trivial) before = view.countThrough(cursor, query.dir);
  else {
    for (const entry of view.entries(undefined, query.dir)) {
      if (isBefore(cursor, entry, query.dir)) break;
      if (filter.matches(entry)) before += 1;
    }
  }
  return Math.floor(before / query.limit);
}

import type { OpportunityRecord } from '../data/opportunity-record.js';
import type { ViewEntry } from '../data/record-view.js';

/**
 * The record as search returns it: its fields plus `sort: [createdAtMs, sortId]`, the
 * search-after key (ghl-api.md §1.4 [O S21]). Injected records keep their own `sort` if they
 * carry one.
 */
export function serveRecord(entry: ViewEntry): OpportunityRecord {
  const record = entry.record();
  if ('sort' in record) return { ...record };
  return { ...record, sort: [entry.ms, entry.sid] };
}

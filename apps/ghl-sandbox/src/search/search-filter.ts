import type { ViewEntry } from '../data/record-view.js';
import type { SearchQuery } from './search-query.js';

/** A compiled search filter; `trivial` means every record matches (enables O(1) totals). */
export interface SearchFilter {
  trivial: boolean;
  /** Stable text of the filter, for the totals cache. */
  signature: string;
  matches(entry: ViewEntry): boolean;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.toLowerCase() : '';
}

/**
 * Builds the predicate for a query. An omitted `status` matches everything like `status=all`
 * (the real default is undocumented, ghl-api.md §7 #22 — our choice). `country` is accepted but
 * not applied: opportunities carry no country field to filter on (our simplification).
 */
export function buildSearchFilter(query: SearchQuery): SearchFilter {
  const { status, pipelineId, pipelineStageId, contactId, assignedTo, campaignId, id, fromMs, toMs } = query;
  const q = query.q?.toLowerCase();
  const parts = [status, pipelineId, pipelineStageId, contactId, assignedTo, campaignId, id, q, fromMs, toMs];
  const trivial = parts.every((p) => p === undefined);
  return {
    trivial,
    signature: JSON.stringify(parts),
    matches(entry) {
      if (trivial) return true;
      if (fromMs !== undefined && entry.ms < fromMs) return false;
      if (toMs !== undefined && entry.ms > toMs) return false;
      const f = entry.fields();
      if (status !== undefined && f.status !== status) return false;
      if (pipelineId !== undefined && f.pipelineId !== pipelineId) return false;
      if (pipelineStageId !== undefined && f.pipelineStageId !== pipelineStageId) return false;
      if (contactId !== undefined && f.contactId !== contactId) return false;
      if (assignedTo !== undefined && f.assignedTo !== assignedTo) return false;
      if (id !== undefined && f.id !== id) return false;
      if (campaignId !== undefined && entry.record()['campaignId'] !== campaignId) return false;
      if (q !== undefined) {
        const record = entry.record();
        const contact = (record['contact'] ?? {}) as Record<string, unknown>;
        const haystack = [
          record['name'],
          contact['name'],
          contact['email'],
          contact['phone'],
          contact['companyName'],
        ].map(text);
        if (!haystack.some((h) => h.includes(q))) return false;
      }
      return true;
    },
  };
}

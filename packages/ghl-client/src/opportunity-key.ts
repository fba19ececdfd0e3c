import type { GhlCursor } from './ghl-cursor.js';
import { usableOpportunityId } from './opportunity-id.js';
import type { GhlOpportunity } from './schemas/opportunity.schema.js';

/**
 * The sort key of a record for range comparisons: its `sort` array if present (`[createdAtMs, sortId]`,
 * observed on search results, ghl-api.md §1.4), else `[Date.parse(createdAt), id]` with a usable id. Null when neither is usable.
 *
 * The `sort` array wins because its id part is what GHL's keyset uses — observed to be the contact id,
 * not the opportunity id (§1.3) — so only it compares correctly against a `meta` cursor.
 */
export function opportunityKey(record: GhlOpportunity): GhlCursor | null {
  const sort = record.sort;
  if (Array.isArray(sort) && sort.length >= 2) {
    const [rawMs, rawId] = sort;
    const ms = typeof rawMs === 'string' && rawMs.trim() !== '' ? Number(rawMs) : rawMs;
    const id = typeof rawId === 'number' ? String(rawId) : rawId;
    if (typeof ms === 'number' && Number.isFinite(ms) && typeof id === 'string' && id !== '') {
      return { startAfter: ms, startAfterId: id };
    }
  }
  const createdAtMs = typeof record.createdAt === 'string' ? Date.parse(record.createdAt) : Number.NaN;
  const id = usableOpportunityId(record.id);
  if (Number.isFinite(createdAtMs) && id !== null) {
    return { startAfter: createdAtMs, startAfterId: id };
  }
  return null;
}

/**
 * -1 / 0 / 1 in the API's newest-first order: a < b means a comes BEFORE b in the listing (newer, or same ms
 * with greater id). Default order is createdAt descending (ghl-api.md §1.3, inferred from a capture); ids
 * compare by UTF-16 code units like an Elasticsearch keyword sort, not by locale.
 */
export function compareKeys(a: GhlCursor, b: GhlCursor): number {
  if (a.startAfter !== b.startAfter) return a.startAfter > b.startAfter ? -1 : 1;
  if (a.startAfterId === b.startAfterId) return 0;
  return a.startAfterId > b.startAfterId ? -1 : 1;
}

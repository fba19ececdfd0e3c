import type { GhlCursor } from './ghl-cursor.js';
import type { RecordIssue } from './ghl-client.js';
import { isRecord } from './http/response-facts.js';
import { usableOpportunityId } from './opportunity-id.js';
import { GhlOpportunity } from './schemas/opportunity.schema.js';
import type { GhlSearchMeta } from './schemas/search-response.schema.js';

/**
 * Envelope check of a search answer (`SearchSuccessfulResponseDto`, ghl-api.md §1.2): an object with an
 * `opportunities` array of objects and a `meta` object. Returns why it is not, or null.
 * A non-object record is an envelope problem (the page is unusable as a list), not a record issue.
 */
export function checkSearchEnvelope(body: unknown): string | null {
  if (typeof body === 'string')
    return `body is not JSON (${body.trimStart().startsWith('<') ? 'HTML' : 'text'}, ${body.length} chars)`;
  if (!isRecord(body))
    return `body is ${body === null ? 'null' : Array.isArray(body) ? 'an array' : typeof body}, not an object`;
  const opportunities = body['opportunities'];
  if (!Array.isArray(opportunities)) return '`opportunities` is not an array';
  const bad = opportunities.findIndex((record) => !isRecord(record));
  if (bad !== -1) return `opportunities[${bad}] is not an object`;
  if (!isRecord(body['meta'])) return '`meta` is missing or not an object';
  return null;
}

/** Schema issues of each record; a record without a usable id ({@link usableOpportunityId}) always yields an issue at path `id`. */
export function findRecordIssues(records: readonly Record<string, unknown>[]): RecordIssue[] {
  const issues: RecordIssue[] = [];
  records.forEach((record, index) => {
    const id = usableOpportunityId(record['id']) ?? undefined;
    if (id === undefined) {
      issues.push({
        index,
        path: 'id',
        message: record['id'] === undefined ? 'missing id' : 'id is not a string with a non-whitespace character',
      });
    }
    const parsed = GhlOpportunity.safeParse(record);
    if (parsed.success) return;
    for (const issue of parsed.error.issues) {
      const path = issue.path.map(String).join('.');
      if (path === 'id') continue; // already reported above
      issues.push({ index, ...(id !== undefined && { id }), path, message: issue.message });
    }
  });
  return issues;
}

/**
 * The cursor for the next page, or null when GHL signalled the end: `startAfterId` or `nextPageUrl`
 * missing/null/"" (ghl-api.md §1.3 termination rule), or `startAfter` not a finite number (a numeric string is accepted).
 */
export function nextCursorFromMeta(meta: GhlSearchMeta): GhlCursor | null {
  const { startAfterId, nextPageUrl, startAfter } = meta;
  if (typeof startAfterId !== 'string' || startAfterId === '') return null;
  if (typeof nextPageUrl !== 'string' || nextPageUrl === '') return null;
  const ms = typeof startAfter === 'string' && startAfter.trim() !== '' ? Number(startAfter) : startAfter;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return null;
  return { startAfter: ms, startAfterId };
}

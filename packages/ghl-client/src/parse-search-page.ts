import type { GhlCursor } from './ghl-cursor.js';
import { isRecord } from './http/response-facts.js';
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

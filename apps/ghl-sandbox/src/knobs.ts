import type { OpportunityRecord } from './data/opportunity-record.js';

/**
 * Per-location fault and quirk switches. All are off by default, so an untouched sandbox behaves
 * like a healthy GHL location; tests and benchmarks turn them on at run time through the admin
 * surface (`PATCH /_sandbox/locations/:id/knobs` or `sandbox.admin.setKnobs`).
 */
export interface SandboxKnobs {
  /**
   * Extra response delay for location-scoped endpoints: `medianMs` ± uniform `jitterMs`
   * (clamped at 0). `null` = no delay. @defaultValue null
   */
  latencyMs: { medianMs: number; jitterMs: number } | null;
  /**
   * Fraction (0..1) of search requests answered 500, 502 or 503 with GHL/NestJS-style bodies
   * (ghl-api.md §3; 502/503 bodies are our inference). @defaultValue 0
   */
  failureRate: number;
  /**
   * Fraction (0..1) of search requests that never answer: the socket is held for `hangMs`, then
   * destroyed without a response (a client timeout test). @defaultValue 0
   */
  hangRate: number;
  /** How long a hung request holds its socket, in ms. @defaultValue 60_000 */
  hangMs: number;
  /**
   * Fail specific search pages: `pageIndex` is 0-based, computed as (matching records at or
   * before the request's cursor, i.e. already served) ÷ limit, so page 0 is the cursor-less one; the page answers `status` for the next `times` requests
   * (omitted = forever). @defaultValue []
   */
  failPages: Array<{ pageIndex: number; status: number; times?: number }>;
  /**
   * The next `count` location-scoped requests answer `status` (e.g. a 429 storm). `retryAfterSec`
   * adds `Retry-After` to those answers. Forced answers do not consume rate-limit budget.
   * @defaultValue null
   */
  forceStatus: { status: number; count: number; retryAfterSec?: number } | null;
  /**
   * `meta.total`: `'exact'`, `'inflated'` (a wrong large number, 167623, as "approximate for very
   * large sets" is reported — ghl-api.md §1.2 [H]), or a fixed number. @defaultValue 'exact'
   */
  totalMode: 'exact' | 'inflated' | number;
  /**
   * From this 0-based page on, `meta` returns the request's own cursor, so a client that follows
   * it gets the same page again (the infinite loop of ghl-api.md §1.3 [O S19]). Page 0 has no
   * request cursor to echo, so the effect starts at page max(1, value). `null` = off.
   * @defaultValue null
   */
  stallCursorAfterPage: number | null;
  /**
   * What the cursor id is: the opportunity id (spec example) or the contact id (seen in the one
   * capture, ghl-api.md §1.3 [O S21]). Drives `sort[1]`, `meta.startAfterId` and the tie-break.
   * @defaultValue 'opportunity'
   */
  cursorIdMode: 'opportunity' | 'contact';
  /**
   * How the last page says "no more" (undocumented, ghl-api.md §1.2): `'null'` → `nextPageUrl`
   * and `nextPage` null; `'empty'` → `nextPageUrl` and `startAfterId` are `""`, `nextPage` null;
   * `'absent'` → `nextPageUrl`, `nextPage`, `startAfter`, `startAfterId` omitted.
   * @defaultValue 'null'
   */
  endSentinel: 'null' | 'empty' | 'absent';
  /**
   * Creates/updates/deletes become visible to search only this many ms after they happen (the
   * eventually consistent index, ghl-api.md §1.3 [C S12]). Admin reads and export see the truth
   * immediately. @defaultValue 0
   */
  indexLagMs: number;
  /**
   * A change scripted to happen in the middle of a listing: just before answering the first search
   * request for page `pageIndex` (0-based, as in `failPages`; any filter), `patch` is applied to
   * opportunity `id` as the admin `updateOpportunity` would (a stage change, say), and the knob
   * turns itself off. The answer already shows the change. `null` = off. @defaultValue null
   */
  updateOnPage: { pageIndex: number; id: string; patch: OpportunityRecord } | null;
  /**
   * A delete scripted like `updateOnPage`: just before answering the first search request for page
   * `pageIndex`, opportunity `id` is deleted as the admin `deleteOpportunity` would, and the knob
   * turns itself off. With `filtered`, only a request with a filter counts (a partition's, not the
   * unfiltered listing's): a delete between a client's unfiltered request and its filtered ones.
   * `null` = off. @defaultValue null
   */
  deleteOnPage: { pageIndex: number; id: string; filtered?: boolean } | null;
  /**
   * Answer a broken 200 search page: `invalid_json` (truncated JSON), `html` (an HTML page),
   * `missing_meta` (no `meta` key), `missing_id` (first record without `id`). Only on page
   * `pageIndex` when given; for the next `times` matching requests (omitted = forever).
   * @defaultValue null
   */
  malformed: {
    mode: 'invalid_json' | 'html' | 'missing_meta' | 'missing_id';
    pageIndex?: number;
    times?: number;
  } | null;
  /**
   * Add `Retry-After` (seconds until the burst window frees a slot, or until the next UTC day) to
   * rate-limit 429s. Off by default because its existence is unconfirmed (ghl-api.md §3, §7 #18).
   * @defaultValue false
   */
  sendRetryAfter: boolean;
  /**
   * Refreshing an OAuth token of this location answers 401
   * `{error:"invalid_grant", error_description:"Location is not active"}` (message is our
   * inference; it models an uninstalled app / suspended sub-account). @defaultValue false
   */
  oauthLocationInactive: boolean;
  /**
   * The next this-many refreshes of this location's OAuth tokens are processed (the refresh token
   * is burnt, a new pair issued) but their answer is lost: the connection is closed without a
   * response, as when a reply dies on the way back (the lost answer that strands a location).
   * Counts down. @defaultValue 0
   */
  oauthRefreshDrop: number;
  /**
   * Refreshes of this location are processed at once but answered only after this many ms (if the
   * client still listens): longer than a client timeout, it is a lost answer. 0 = off.
   * @defaultValue 0
   */
  oauthRefreshDelayMs: number;
  /**
   * The next this-many refreshes of this location are processed (the refresh token is burnt, a new
   * pair issued) but answered 200 without `expires_in`: an answer the client cannot use although
   * GHL already rotated the token. Counts down. @defaultValue 0
   */
  oauthRefreshNoExpiresIn: number;
  /**
   * The Reconnect API answers this location only after this many ms (if the client still
   * listens). 0 = off. @defaultValue 0
   */
  oauthReconnectDelayMs: number;
  /**
   * The Reconnect API (`POST /oauth/reconnect`, ghl-api.md §5.1 [C S17]) refuses this location with
   * 400 (the message is our inference; it models an app the agency removed). @defaultValue false
   */
  oauthReconnectRefused: boolean;
  /**
   * Lifetime in seconds of location tokens minted with `POST /oauth/locationToken` (ghl-api.md §5.2).
   * `null` = a day, as OAuth access tokens (86 399). @defaultValue null
   */
  locationTokenTtlSec: number | null;
  /**
   * Raw opportunity objects served verbatim as extra records of this location (odd values,
   * duplicate ids, U+0000 …). They are ordered by their `createdAt` (ISO string or epoch ms;
   * unparseable → 0) and id like any record, count in totals and appear in export.
   * @defaultValue []
   */
  pageRecords: OpportunityRecord[];
  /**
   * Status of `GET /opportunities/{id}` for an unknown or deleted id: 400 BadRequestDTO
   * `{statusCode:400, message:"Opportunity not found"}` (the documented client-error status of that
   * operation) or 404 NotFoundDTO (v3 common schemas). The real answer is not public (ghl-api.md §3).
   * @defaultValue 400
   */
  notFoundStatus: 400 | 404;
}

/** A fresh copy of the all-off knob set. */
export function defaultKnobs(): SandboxKnobs {
  return {
    latencyMs: null,
    failureRate: 0,
    hangRate: 0,
    hangMs: 60_000,
    failPages: [],
    forceStatus: null,
    totalMode: 'exact',
    stallCursorAfterPage: null,
    cursorIdMode: 'opportunity',
    endSentinel: 'null',
    indexLagMs: 0,
    updateOnPage: null,
    deleteOnPage: null,
    malformed: null,
    sendRetryAfter: false,
    oauthLocationInactive: false,
    oauthRefreshDrop: 0,
    oauthRefreshDelayMs: 0,
    oauthRefreshNoExpiresIn: 0,
    oauthReconnectDelayMs: 0,
    oauthReconnectRefused: false,
    locationTokenTtlSec: null,
    pageRecords: [],
    notFoundStatus: 400,
  };
}

/** The value `meta.total` takes under `totalMode: 'inflated'`. */
export const INFLATED_TOTAL = 167_623;

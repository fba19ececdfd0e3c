/**
 * The one registry of error codes used across ghl-sync.
 *
 * WARNING: codes are persisted (in `ghl.sync_runs.error_code`, `ghl.sync_run_errors.code`, job
 * failure reasons) and matched by operators' alerts. Never rename one; add a new code instead.
 *
 * `retryable` says whether trying the same operation again may succeed without anyone acting.
 */
export const ERROR_CODES = {
  // --- configuration and input
  start_interrupted: {
    retryable: false,
    description:
      'The process was asked to stop (SIGTERM or SIGINT) while it was starting, and its start did not end in time: what it had opened was closed.',
  },
  config_invalid: { retryable: false, description: 'The environment failed validation; every problem is listed.' },
  invalid_argument: { retryable: false, description: 'A caller passed an argument outside its documented shape.' },
  location_not_found: { retryable: false, description: 'No location with that id is registered.' },
  run_not_found: { retryable: false, description: 'No sync run with that id exists.' },
  run_not_active: { retryable: false, description: 'The run already finished; only an active run can be cancelled.' },
  unauthorized: { retryable: false, description: 'The request carries no admin credential, or the wrong one.' },
  not_found: { retryable: false, description: 'No route answers this method and path.' },
  too_many_auth_failures: {
    retryable: true,
    description:
      'This client address failed the admin credential too often; every request from it is refused until `details.retryAfterMs` has passed.',
  },
  not_a_sandbox: {
    retryable: false,
    description:
      'GHL_BASE_URL has no ghl-sandbox admin export (404 there: the real GHL API, or another server), or it refused the admin token; only the sandbox can be checked against row by row.',
  },
  run_already_active: {
    retryable: false,
    description: 'The location already has an active run; its id is in `details.activeRunId`.',
  },
  run_cancelled: { retryable: false, description: 'The run was cancelled by an admin; no sweep that had not started.' },
  run_timed_out: {
    retryable: false,
    description: 'The run passed its deadline (RUN_DEADLINE_MINUTES) and was cancelled.',
  },

  // --- GHL HTTP boundary
  ghl_bad_request: { retryable: false, description: 'GHL answered 400 or 422: the request itself is wrong.' },
  ghl_unauthorized: {
    retryable: false,
    description: 'GHL answered 401 for a reason a token refresh cannot fix (scope, auth class).',
  },
  ghl_token_expired: {
    retryable: true,
    description: 'GHL answered 401 "Invalid JWT": refresh the OAuth access token and retry once.',
  },
  ghl_forbidden: { retryable: false, description: 'GHL answered 403: the token has no access to this location.' },
  ghl_not_found: { retryable: false, description: 'GHL answered 404.' },
  ghl_rate_limited: {
    retryable: true,
    description:
      "GHL answered 429, or the location's shared budget has no request slot within the caller's wait cap (details.recordShare: a webhook re-read's share is spent while a full sync runs); retry after details.retryAfterMs.",
  },
  daily_quota_exhausted: {
    retryable: true,
    description:
      'The location spent its daily request budget (X-RateLimit-Daily-Remaining: 0); retry after the daily window.',
  },
  rate_limited_too_long: {
    retryable: false,
    description: "A job waited for its location's rate budget longer than the configured cap.",
  },
  ghl_server_error: { retryable: true, description: 'GHL answered 5xx.' },
  ghl_timeout: { retryable: true, description: 'GHL did not answer within the client timeout.' },
  ghl_network_error: { retryable: true, description: 'The connection to GHL failed (reset, refused, DNS).' },
  ghl_invalid_response: {
    retryable: true,
    description: 'GHL answered 2xx with a body that is not the documented envelope (not JSON, HTML, no `meta`).',
  },
  oauth_refresh_failed: {
    retryable: false,
    description:
      'The OAuth refresh was refused (400/401) and the Reconnect API could not recover it; the location needs reconnection.',
  },
  oauth_reconnect_failed: {
    retryable: false,
    description:
      'The Reconnect API refused to re-authorise the install (app removed, client wrong); a person must reinstall.',
  },
  oauth_code_refused: {
    retryable: false,
    description: 'GHL refused an authorization code (used, expired or for another redirect URI).',
  },
  oauth_client_invalid: {
    retryable: false,
    description:
      "GHL refused the app's OAuth client credentials (`invalid_client`): GHL_OAUTH_CLIENT_ID or GHL_OAUTH_CLIENT_SECRET is wrong or was rotated. No location is marked; fix the configuration and restart.",
  },
  oauth_refresh_in_progress: {
    retryable: true,
    description: "Another process's OAuth refresh or reconnect did not finish in time; the job is tried again later.",
  },
  location_token_rejected: {
    retryable: false,
    description: 'GHL refused the token given for a location (401/403) when it was checked; nothing was registered.',
  },
  location_needs_reconnect: {
    retryable: false,
    description:
      'The location is marked as needing attention (OAuth refresh and reconnect refused, or its Private Integration Token answered 401); no request is sent until it is reconnected.',
  },

  location_uninstalled: {
    retryable: false,
    description:
      'The marketplace app was removed from the location (UNINSTALL webhook, or the agency reconcile no longer lists it); its rows are kept and no request is sent until it is installed again.',
  },
  agency_not_found: { retryable: false, description: 'No agency with that company id has installed the app.' },
  agency_needs_reconnect: {
    retryable: false,
    description:
      "The agency's Company token could not be refreshed or recovered; its locations get no new tokens until the agency installs the app again.",
  },
  agency_reconcile_in_progress: {
    retryable: true,
    description:
      "Another process is reconciling this agency's installed locations; this reconcile runs again after it, so an install it did not see yet is not lost.",
  },
  oauth_mint_refused: {
    retryable: false,
    description:
      "GHL refused to mint a location token from the agency's Company token (`POST /oauth/locationToken`: the app is not installed there, or the Company token was refused).",
  },
  oauth_state_invalid: {
    retryable: false,
    description:
      'An install callback came without the state of an install started here, with one already used or expired, or from another browser; nothing was exchanged.',
  },

  // --- sync semantics
  pagination_stalled: {
    retryable: false,
    description: 'GHL returned a repeated cursor or an already-seen first id; pass 1 stopped and no sweep ran.',
  },
  listing_incomplete: { retryable: false, description: 'Pass 1 did not finish every page; the sweep was skipped.' },
  sweep_total_mismatch: {
    retryable: false,
    description: 'Distinct ids listed differ from meta.total beyond the tolerance; the sweep was skipped.',
  },
  sweep_too_large: {
    retryable: false,
    description: 'The sweep would delete more than the allowed share of live rows; it was skipped.',
  },
  page_failed: { retryable: false, description: 'A page job failed for good after its attempts.' },
  coordinator_lost: {
    retryable: false,
    description: 'The coordinator died or lost its job lock; the run was failed by recovery.',
  },

  // --- record-level problems (stored in ghl.sync_run_errors, never fatal)
  record_missing_id: {
    retryable: false,
    description: 'An opportunity without an `id`; stored nowhere but the run error table.',
  },
  record_invalid_amount: {
    retryable: false,
    description: '`monetaryValue` was not a number; stored as NULL, raw kept.',
  },
  record_sanitized_text: {
    retryable: false,
    description: 'Text held U+0000 or lone UTF-16 surrogates; removed / replaced by U+FFFD.',
  },
  record_duplicate: {
    retryable: false,
    description: 'The same id appeared twice on a page; the later updatedAt (then the later copy) won.',
  },
  record_invalid_field: {
    retryable: false,
    description: 'A documented field had the wrong type; the raw value is kept.',
  },

  // --- webhook intake (answers to GHL's deliveries)
  webhook_signature_missing: {
    retryable: false,
    description: 'A webhook came without `x-ghl-signature` or `x-wh-signature`; answered 401.',
  },
  webhook_signature_invalid: {
    retryable: false,
    description: 'A webhook signature does not match the raw body (forged, or re-serialised on the way); answered 401.',
  },
  webhook_legacy_signature_refused: {
    retryable: false,
    description:
      'A webhook carried only the legacy RSA `x-wh-signature` while GHL_WEBHOOK_ACCEPT_LEGACY_SIGNATURE is false; answered 401.',
  },
  webhook_body_too_large: {
    retryable: false,
    description: 'A webhook body exceeded WEBHOOK_BODY_LIMIT_BYTES; answered 413.',
  },
  webhook_invalid_body: {
    retryable: false,
    description:
      'A signed webhook body is not a JSON object with `type` and `webhookId` (an opportunity event also needs `locationId` and `id`); answered 400.',
  },
  webhook_stale: {
    retryable: false,
    description: 'A webhook `timestamp` is older than WEBHOOK_MAX_AGE_S (a replay); answered 401.',
  },
  webhook_unavailable: {
    retryable: true,
    description: 'Postgres or Redis could not take a webhook; answered 429, which GHL retries.',
  },

  // --- infrastructure
  token_undecryptable: {
    retryable: false,
    description:
      'A stored GHL token cannot be decrypted: it is not encrypted, its key is not configured (TOKEN_ENCRYPTION_KEY, TOKEN_ENCRYPTION_PREVIOUS_KEYS), or it was altered.',
  },
  db_error: {
    retryable: true,
    description:
      'PostgreSQL failed the statement (connection lost, serialization). A lost connection carries `details.connectionLost`.',
  },
  redis_error: { retryable: true, description: 'Redis failed the command.' },
  job_payload_invalid: {
    retryable: false,
    description: "A job's payload failed its queue's schema; the job failed without a retry.",
  },
  internal_error: { retryable: false, description: 'A bug: an invariant did not hold.' },
} as const satisfies Record<string, { retryable: boolean; description: string }>;

/** A stable error code; see {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** True for a string that is a registered {@link ErrorCode}. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

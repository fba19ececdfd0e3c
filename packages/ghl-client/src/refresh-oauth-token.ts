import axios, { isAxiosError } from 'axios';
import { GhlSyncError } from '@ghl-sync/errors';
import { GHL_DEFAULT_BASE_URL } from './constants.js';
import { safeCause, toGhlError } from './errors/to-ghl-error.js';
import { GHL_CLIENT_DEFAULTS, type GhlRequestEvent } from './ghl-client-options.js';
import { bodyMessage, bodyTraceId, isRecord } from './http/response-facts.js';

/** Options of {@link refreshOAuthToken}. */
export interface RefreshOAuthTokenOptions {
  /** API root. @defaultValue 'https://services.leadconnectorhq.com' (ghl-api.md §0) */
  baseUrl?: string;
  /** Marketplace app client id. */
  clientId: string;
  /** Marketplace app client secret. Never logged or put in an error. */
  clientSecret: string;
  /** The current refresh token. Single-use: GHL rotates it on every refresh (ghl-api.md §5.1). */
  refreshToken: string;
  /** `user_type` of the token; the official SDK always sends it (§5.1). @defaultValue 'Location' */
  userType?: 'Location' | 'Company';
  /** Milliseconds before giving up. @defaultValue 30_000 (official SDK, §3) */
  timeoutMs?: number;
  /** Called once with the outcome (metrics); exceptions it throws are ignored. */
  onRequest?: (event: GhlRequestEvent) => void;
}

/** Tokens returned by {@link refreshOAuthToken}. Persist BOTH: the old refresh token is now spent. */
export interface RefreshedOAuthToken {
  accessToken: string;
  refreshToken: string;
  /** Lifetime of the access token in seconds (86 399 in the spec example, §5.1). */
  expiresInSec: number;
  /** Present for sub-account (Location) tokens. */
  locationId?: string;
  /** Space-separated scopes. */
  scope?: string;
}

/**
 * `POST /oauth/token` with `grant_type=refresh_token`, form-encoded, no `Version` header (ghl-api.md §5.1).
 *
 * Never retried here: refresh tokens are single-use, so resending after a lost answer would fail with the
 * spent token anyway; the caller (which serialises refreshes) decides. The secret and tokens never appear
 * in a thrown error.
 *
 * @throws GhlSyncError `oauth_refresh_failed` on 400/401 (`details: { status, reason, traceId? }`);
 *   `ghl_invalid_response` (not retryable) on a 2xx without the tokens; otherwise the codes of RETRY_POLICY
 *   (`ghl_server_error`, `ghl_timeout`, `ghl_network_error`, `ghl_rate_limited`…).
 */
export async function refreshOAuthToken(options: RefreshOAuthTokenOptions): Promise<RefreshedOAuthToken> {
  const baseUrl = (options.baseUrl ?? GHL_DEFAULT_BASE_URL).replace(/\/+$/, '');
  const form = new URLSearchParams({
    client_id: options.clientId,
    client_secret: options.clientSecret,
    grant_type: 'refresh_token',
    refresh_token: options.refreshToken,
    user_type: options.userType ?? 'Location',
  });
  const started = performance.now();
  const report = (status: GhlRequestEvent['status']): void => {
    try {
      options.onRequest?.({
        endpoint: 'oauth_token',
        status,
        durationMs: Math.round(performance.now() - started),
        attempt: 1,
      });
    } catch {
      // Metrics must never break a refresh.
    }
  };

  let data: unknown;
  try {
    const response = await axios.post(`${baseUrl}/oauth/token`, form.toString(), {
      timeout: options.timeoutMs ?? GHL_CLIENT_DEFAULTS.timeoutMs,
      maxRedirects: 0,
      transitional: { clarifyTimeoutError: true },
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    });
    report(response.status);
    data = response.data;
  } catch (err) {
    if (!isAxiosError(err)) throw err;
    const status = err.response?.status;
    report(status ?? (err.code === 'ETIMEDOUT' || err.code === 'ECONNABORTED' ? 'timeout' : 'network_error'));
    if (status === 400 || status === 401) {
      const reason = bodyMessage(err.response?.data) ?? `HTTP ${status}`;
      const traceId = bodyTraceId(err.response?.data);
      throw new GhlSyncError('oauth_refresh_failed', `GHL refused the OAuth refresh (${status}): ${reason}`, {
        details: { endpoint: 'oauth_token', status, reason, ...(traceId !== undefined && { traceId }) },
        cause: safeCause(err),
      });
    }
    throw toGhlError(err, { endpoint: 'oauth_token', attempts: 1 });
  }

  const accessToken = isRecord(data) ? data['access_token'] : undefined;
  const refreshToken = isRecord(data) ? data['refresh_token'] : undefined;
  const expiresIn = isRecord(data) ? Number(data['expires_in']) : Number.NaN;
  if (
    !isRecord(data) ||
    typeof accessToken !== 'string' ||
    accessToken === '' ||
    typeof refreshToken !== 'string' ||
    refreshToken === '' ||
    !Number.isFinite(expiresIn)
  ) {
    // The body may hold a token: report only which fields were present.
    throw new GhlSyncError(
      'ghl_invalid_response',
      'GHL oauth_token answered 2xx without access_token, refresh_token and expires_in',
      {
        retryable: false,
        details: { endpoint: 'oauth_token', fields: isRecord(data) ? Object.keys(data).sort() : typeof data },
      },
    );
  }
  const result: RefreshedOAuthToken = { accessToken, refreshToken, expiresInSec: expiresIn };
  if (typeof data['locationId'] === 'string') result.locationId = data['locationId'];
  if (typeof data['scope'] === 'string') result.scope = data['scope'];
  return result;
}

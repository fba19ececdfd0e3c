import type { GhlRequestEvent } from './ghl-client-options.js';
import { parseTokenAnswer, type OAuthTokenAnswer } from './oauth/parse-token-answer.js';
import { postOAuth } from './oauth/post-oauth.js';

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
export type RefreshedOAuthToken = OAuthTokenAnswer;

/**
 * `POST /oauth/token` with `grant_type=refresh_token`, form-encoded, no `Version` header (ghl-api.md §5.1).
 *
 * Never retried here: refresh tokens are single-use, so resending after a lost answer would fail with the
 * spent token anyway; the caller (which serialises refreshes) decides. The secret and tokens never appear
 * in a thrown error.
 *
 * @throws GhlSyncError `oauth_client_invalid` when GHL refuses the app's client credentials (the refresh
 *   token was not used); `oauth_refresh_failed` on any other 400/401 (`details: { status, reason, traceId? }`);
 *   `ghl_invalid_response` (not retryable) on a 2xx without the tokens; otherwise the codes of RETRY_POLICY
 *   (`ghl_server_error`, `ghl_timeout`, `ghl_network_error`, `ghl_rate_limited`…).
 */
export async function refreshOAuthToken(options: RefreshOAuthTokenOptions): Promise<RefreshedOAuthToken> {
  const { data } = await postOAuth({
    endpoint: 'oauth_token',
    baseUrl: options.baseUrl,
    path: '/oauth/token',
    body: new URLSearchParams({
      client_id: options.clientId,
      client_secret: options.clientSecret,
      grant_type: 'refresh_token',
      refresh_token: options.refreshToken,
      user_type: options.userType ?? 'Location',
    }),
    timeoutMs: options.timeoutMs,
    refusedCode: 'oauth_refresh_failed',
    what: 'the OAuth refresh',
    onRequest: options.onRequest,
  });
  return parseTokenAnswer(data);
}

import type { GhlRequestEvent } from '../ghl-client-options.js';
import { parseTokenAnswer, type OAuthTokenAnswer } from './parse-token-answer.js';
import { postOAuth } from './post-oauth.js';

/** Options of {@link exchangeAuthorizationCode}. */
export interface ExchangeAuthorizationCodeOptions {
  /** API root. @defaultValue 'https://services.leadconnectorhq.com' (ghl-api.md §0) */
  baseUrl?: string;
  clientId: string;
  /** Never logged or put in an error. */
  clientSecret: string;
  /** The single-use code from the install redirect or the Reconnect API. */
  code: string;
  /** `Location` (sub-account) or `Company` (agency) token (ghl-api.md §5.1). */
  userType: 'Location' | 'Company';
  /** The redirect URI of the install, when the code came from one. */
  redirectUri?: string;
  /** @defaultValue 30_000 */
  timeoutMs?: number;
  onRequest?: (event: GhlRequestEvent) => void;
}

/**
 * `POST /oauth/token` with `grant_type=authorization_code`, form-encoded (ghl-api.md §5.1). The code
 * is single use: never retried here.
 * @throws GhlSyncError `oauth_client_invalid` when GHL refuses the app's client credentials;
 *   `oauth_code_refused` on any other 400/401; `ghl_invalid_response` on a 2xx without
 *   tokens; otherwise the codes of RETRY_POLICY.
 */
export async function exchangeAuthorizationCode(options: ExchangeAuthorizationCodeOptions): Promise<OAuthTokenAnswer> {
  const form = new URLSearchParams({
    client_id: options.clientId,
    client_secret: options.clientSecret,
    grant_type: 'authorization_code',
    code: options.code,
    user_type: options.userType,
  });
  if (options.redirectUri !== undefined) form.set('redirect_uri', options.redirectUri);
  const { data } = await postOAuth({
    endpoint: 'oauth_token',
    baseUrl: options.baseUrl,
    path: '/oauth/token',
    body: form,
    timeoutMs: options.timeoutMs,
    refusedCode: 'oauth_code_refused',
    what: 'the authorization code',
    onRequest: options.onRequest,
  });
  return parseTokenAnswer(data);
}

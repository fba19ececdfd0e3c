import { isRecord } from '../http/response-facts.js';
import type { GhlRequestEvent } from '../ghl-client-options.js';
import { invalidOAuthBody, postOAuth } from './post-oauth.js';

/** Options of {@link reconnectOAuth}: exactly one of `locationId` and `companyId`. */
export type ReconnectOAuthOptions = {
  /** API root. @defaultValue 'https://services.leadconnectorhq.com' (ghl-api.md §0) */
  baseUrl?: string;
  /** The app's client id (`clientKey`). */
  clientId: string;
  /** Never logged or put in an error. */
  clientSecret: string;
  /** @defaultValue 30_000 */
  timeoutMs?: number;
  onRequest?: (event: GhlRequestEvent) => void;
} & ({ locationId: string; companyId?: never } | { companyId: string; locationId?: never });

/**
 * GHL's Reconnect API, `POST /oauth/reconnect {clientKey, clientSecret, locationId | companyId}` →
 * `{authorizationCode, expiresAt}` (ghl-api.md §5.1 [C S17]): re-authorises an install whose tokens
 * were lost, without a person. Exchange the code with `exchangeAuthorizationCode`. Asking again
 * gives a new code, so a lost answer costs nothing but a retry.
 * @throws GhlSyncError `oauth_client_invalid` when GHL refuses the app's client credentials;
 *   `oauth_reconnect_failed` on any other 400/401 (the app is no longer installed on the location); `ghl_invalid_response` without a code; otherwise the codes of RETRY_POLICY.
 */
export async function reconnectOAuth(
  options: ReconnectOAuthOptions,
): Promise<{ authorizationCode: string; expiresAt?: string }> {
  const { data } = await postOAuth({
    endpoint: 'oauth_reconnect',
    baseUrl: options.baseUrl,
    path: '/oauth/reconnect',
    body: {
      clientKey: options.clientId,
      clientSecret: options.clientSecret,
      ...(options.locationId !== undefined ? { locationId: options.locationId } : { companyId: options.companyId }),
    },
    timeoutMs: options.timeoutMs,
    refusedCode: 'oauth_reconnect_failed',
    what: 'the reconnect',
    onRequest: options.onRequest,
  });
  const code = isRecord(data) ? data['authorizationCode'] : undefined;
  if (typeof code !== 'string' || code === '') throw invalidOAuthBody('oauth_reconnect', 'authorizationCode', data);
  const expiresAt = isRecord(data) && typeof data['expiresAt'] === 'string' ? data['expiresAt'] : undefined;
  return { authorizationCode: code, ...(expiresAt !== undefined && { expiresAt }) };
}

import { GHL_API_VERSION } from '../constants.js';
import type { GhlRequestEvent } from '../ghl-client-options.js';
import { isRecord } from '../http/response-facts.js';
import { invalidOAuthBody, postOAuth } from './post-oauth.js';

/** Options of {@link mintLocationToken}. */
export interface MintLocationTokenOptions {
  /** API root. @defaultValue 'https://services.leadconnectorhq.com' (ghl-api.md §0) */
  baseUrl?: string;
  /** The agency's Company access token. Never logged or put in an error. */
  companyToken: string;
  companyId: string;
  locationId: string;
  /** @defaultValue 30_000 */
  timeoutMs?: number;
  onRequest?: (event: GhlRequestEvent) => void;
}

/** A Location access token minted from a Company token. It has no refresh token: mint again when due. */
export interface MintedLocationToken {
  accessToken: string;
  /** Lifetime in seconds (`expires_in`). */
  expiresInSec: number;
  scope?: string;
}

/**
 * `POST /oauth/locationToken` with the agency's Company token, `Version: 2021-07-28` and form
 * `companyId` + `locationId` (ghl-api.md §5.2; GHL answers 201). Minting has no single-use grant, so
 * a lost answer only costs another mint; it is still not retried here (the caller holds the lock).
 * @throws GhlSyncError `oauth_mint_refused` on 400/401 (`details.status`: 401 means the Company token
 *   was refused, 400 that the app is not installed on the location); `ghl_invalid_response` without
 *   a token; otherwise the codes of RETRY_POLICY.
 */
export async function mintLocationToken(options: MintLocationTokenOptions): Promise<MintedLocationToken> {
  const { data } = await postOAuth({
    endpoint: 'oauth_location_token',
    baseUrl: options.baseUrl,
    path: '/oauth/locationToken',
    body: new URLSearchParams({ companyId: options.companyId, locationId: options.locationId }),
    headers: { Authorization: `Bearer ${options.companyToken}`, Version: GHL_API_VERSION },
    timeoutMs: options.timeoutMs,
    refusedCode: 'oauth_mint_refused',
    what: `a token for location ${options.locationId}`,
    onRequest: options.onRequest,
  });
  const accessToken = isRecord(data) ? data['access_token'] : undefined;
  const expiresIn = isRecord(data) ? Number(data['expires_in']) : Number.NaN;
  if (typeof accessToken !== 'string' || accessToken === '' || !Number.isFinite(expiresIn) || expiresIn <= 0)
    throw invalidOAuthBody('oauth_location_token', 'access_token and expires_in', data);
  const scope = isRecord(data) && typeof data['scope'] === 'string' ? data['scope'] : undefined;
  return { accessToken, expiresInSec: expiresIn, ...(scope !== undefined && { scope }) };
}

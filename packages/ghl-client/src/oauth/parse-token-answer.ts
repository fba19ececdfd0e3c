import { isRecord } from '../http/response-facts.js';
import { invalidOAuthBody } from './post-oauth.js';

/** Tokens returned by `POST /oauth/token` (ghl-api.md §5.1). Persist BOTH: the old refresh token is now spent. */
export interface OAuthTokenAnswer {
  accessToken: string;
  refreshToken: string;
  /** Lifetime of the access token in seconds (86 399 in the spec example, §5.1). */
  expiresInSec: number;
  /** `Location` or `Company`. */
  userType?: string;
  /** Present for sub-account (Location) tokens. */
  locationId?: string;
  companyId?: string;
  /** Company installs: the locations approved. */
  approvedLocations?: string[];
  /** Space-separated scopes. */
  scope?: string;
}

/**
 * Reads a `GetAccessCodeSuccessfulResponseDto` (ghl-api.md §5.1).
 * @throws GhlSyncError `ghl_invalid_response` (not retryable) without access_token, refresh_token and expires_in.
 */
export function parseTokenAnswer(data: unknown): OAuthTokenAnswer {
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
  )
    throw invalidOAuthBody('oauth_token', 'access_token, refresh_token and expires_in', data);
  const answer: OAuthTokenAnswer = { accessToken, refreshToken, expiresInSec: expiresIn };
  for (const key of ['userType', 'locationId', 'companyId', 'scope'] as const)
    if (typeof data[key] === 'string') answer[key] = data[key];
  const approved = data['approvedLocations'];
  if (Array.isArray(approved)) answer.approvedLocations = approved.filter((x): x is string => typeof x === 'string');
  return answer;
}

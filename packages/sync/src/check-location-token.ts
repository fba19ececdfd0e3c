import { GhlSyncError, isGhlSyncError } from '@ghl-sync/errors';
import { createGhlClient } from '@ghl-sync/ghl-client';

/** Options of {@link checkLocationToken}. */
export interface CheckLocationTokenOptions {
  /** GHL API base URL (GHL_BASE_URL). */
  baseUrl: string;
  locationId: string;
  /** The Private Integration Token or OAuth access token to check. Never logged or put in an error. */
  token: string;
  /**
   * OAuth access token: a 401 "Invalid JWT" (expired) is accepted and reported as
   * `accessTokenExpired`, so the caller stores it as due and the first run refreshes it with the
   * refresh token. @defaultValue false
   */
  oauth?: boolean;
  /** Timeout of the one request, in ms. @defaultValue 30_000 */
  timeoutMs?: number;
}

/** What {@link checkLocationToken} learnt. */
export interface CheckLocationTokenResult {
  /** GHL answered that the OAuth access token has expired (401 "Invalid JWT"); only with `oauth`. */
  accessTokenExpired: boolean;
}

/**
 * Checks a location's token with one cheap call, `GET /opportunities/pipelines?locationId=`
 * (scope `opportunities.readonly`, the scope a sync needs; ghl-api.md §2.2), sent once, outside the
 * shared rate budget.
 * @throws GhlSyncError `location_token_rejected` when GHL answers 401 or 403 (with GHL's message);
 *   other failures (network, 5xx, 429) keep their own codes.
 */
export async function checkLocationToken(options: CheckLocationTokenOptions): Promise<CheckLocationTokenResult> {
  const client = createGhlClient({
    baseUrl: options.baseUrl,
    locationId: options.locationId,
    auth: { getAccessToken: async () => options.token },
    timeoutMs: options.timeoutMs ?? 30_000,
    maxAttempts: 1,
  });
  try {
    await client.listPipelines();
    return { accessTokenExpired: false };
  } catch (err) {
    if (options.oauth && isGhlSyncError(err, 'ghl_token_expired')) return { accessTokenExpired: true };
    const status = isGhlSyncError(err) ? err.details['status'] : undefined;
    if (status === 401 || status === 403) {
      const ghlMessage = (err as GhlSyncError).details['ghlMessage'];
      throw new GhlSyncError(
        'location_token_rejected',
        `GHL refused the token for location ${options.locationId} (${status}${typeof ghlMessage === 'string' ? `: ${ghlMessage}` : ''})`,
        { details: { locationId: options.locationId, status }, cause: err },
      );
    }
    throw err;
  }
}

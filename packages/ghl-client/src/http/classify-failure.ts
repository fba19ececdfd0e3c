import { isAxiosError } from 'axios';
import { isGhlSyncError } from '@ghl-sync/errors';
import { readRateLimitHeaders } from '../rate-limit-headers.js';
import type { FailureKind } from '../retry-policy.js';
import { bodyMessage, lowerCaseHeaders } from './response-facts.js';

/** axios error code used for a 2xx answer whose body failed the envelope check. */
export const INVALID_BODY_CODE = 'ERR_GHL_INVALID_BODY';

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ECONNABORTED']);
const CONNECTION_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'EAI_AGAIN']);

/**
 * Maps a failed attempt to a key of RETRY_POLICY.
 * "Invalid JWT" is the observed 401 message for an expired/revoked token (ghl-api.md §3, [O]); every other
 * 401 message (scope, authClass, user type mismatch, "Invalid token: access token is invalid") is not
 * fixable by a refresh. "X-RateLimit-Daily-Remaining: 0" separates daily from burst 429 (§4, [O]).
 */
export function classifyFailure(error: unknown): FailureKind {
  if (isGhlSyncError(error)) return 'gate_refused';
  if (!isAxiosError(error)) return 'other_network_error';
  if (error.code === INVALID_BODY_CODE) return 'invalid_body';
  const response = error.response;
  if (response === undefined) {
    if (error.code !== undefined && TIMEOUT_CODES.has(error.code)) return 'timeout';
    if (error.code !== undefined && CONNECTION_CODES.has(error.code)) return 'connection_error';
    return 'other_network_error';
  }
  const status = response.status;
  if (status >= 500) return 'server_error';
  if (status === 429) {
    return readRateLimitHeaders(lowerCaseHeaders(response.headers)).dailyRemaining === 0
      ? 'daily_quota_exhausted'
      : 'rate_limited';
  }
  if (status === 401) return /invalid jwt/i.test(bodyMessage(response.data) ?? '') ? 'token_expired' : 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 400 || status === 422) return 'bad_request';
  return 'other_status';
}

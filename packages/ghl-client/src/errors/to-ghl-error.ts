import { isAxiosError, type AxiosError } from 'axios';
import { GhlSyncError, isGhlSyncError } from '@ghl-sync/errors';
import { classifyFailure } from '../http/classify-failure.js';
import { bodyMessage, bodyTraceId, lowerCaseHeaders } from '../http/response-facts.js';
import { RETRY_POLICY } from '../retry-policy.js';

/** Facts about the call that failed, merged into `details`. */
export interface GhlErrorFacts {
  /** Endpoint name (`search`, `pipelines`, `oauth_token`). */
  endpoint: string;
  /** HTTP attempts the call used. */
  attempts?: number;
  /** Wait GHL asked for on the last 429, in milliseconds. */
  retryAfterMs?: number;
}

/**
 * An Error holding only safe facts of an axios error. The raw AxiosError is never kept as `cause`:
 * its `config` holds the Authorization header (and, for OAuth, the client secret and refresh token).
 */
export function safeCause(error: AxiosError): Error {
  const cause = new Error(error.message);
  cause.name = 'AxiosError';
  if (error.code !== undefined) Object.assign(cause, { code: error.code });
  // The stack of the copy points here, not into axios internals; drop it to avoid a misleading trace.
  cause.stack = `${cause.name}: ${cause.message}`;
  return cause;
}

/**
 * Converts whatever a GHL call rejected with into the error the client throws:
 * - a GhlSyncError (from the gate, the token provider, a refresh) is returned unchanged;
 * - an AxiosError becomes a GhlSyncError whose code comes from RETRY_POLICY, with `details`
 *   `{ endpoint, status?, traceId?, ghlMessage?, axiosCode?, attempts?, retryAfterMs?, reason?, method?, path? }`
 *   — never a header, token or request body;
 * - anything else is returned unchanged.
 */
export function toGhlError(error: unknown, facts: GhlErrorFacts): unknown {
  if (isGhlSyncError(error) || !isAxiosError(error)) return error;
  const kind = classifyFailure(error);
  const code = RETRY_POLICY[kind].errorCode ?? 'ghl_network_error';
  const response = error.response;
  const details: Record<string, unknown> = { endpoint: facts.endpoint };
  if (response !== undefined) details['status'] = response.status;
  const traceId = bodyTraceId(response?.data);
  if (traceId !== undefined) details['traceId'] = traceId;
  const ghlMessage = kind === 'invalid_body' ? undefined : bodyMessage(response?.data);
  if (ghlMessage !== undefined) details['ghlMessage'] = ghlMessage;
  if (kind === 'invalid_body') details['reason'] = error.message;
  else if (error.code !== undefined) details['axiosCode'] = error.code;
  if (facts.attempts !== undefined) details['attempts'] = facts.attempts;
  if (kind === 'rate_limited' || kind === 'daily_quota_exhausted') {
    if (facts.retryAfterMs !== undefined) details['retryAfterMs'] = facts.retryAfterMs;
    const headers = lowerCaseHeaders(response?.headers);
    if (headers['x-ratelimit-daily-remaining'] !== undefined)
      details['dailyRemaining'] = headers['x-ratelimit-daily-remaining'];
  }
  if (error.config?.method !== undefined) details['method'] = error.config.method.toUpperCase();
  if (error.config?.url !== undefined) details['path'] = error.config.url;

  const what = response !== undefined ? `answered ${response.status}` : `failed (${error.code ?? 'no code'})`;
  const why = kind === 'invalid_body' ? `: ${error.message}` : ghlMessage !== undefined ? `: ${ghlMessage}` : '';
  return new GhlSyncError(code, `GHL ${facts.endpoint} ${what}${why}`, { details, cause: safeCause(error) });
}

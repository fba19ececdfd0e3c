import axios, { isAxiosError } from 'axios';
import { GhlSyncError, type ErrorCode } from '@ghl-sync/errors';
import { GHL_DEFAULT_BASE_URL } from '../constants.js';
import { safeCause, toGhlError } from '../errors/to-ghl-error.js';
import { GHL_CLIENT_DEFAULTS, type GhlRequestEvent } from '../ghl-client-options.js';
import { bodyMessage, bodyTraceId, isRecord } from '../http/response-facts.js';

/** One call to an OAuth endpoint of GHL: never retried here, since its effects are single-use. */
export interface PostOAuthRequest {
  endpoint: GhlRequestEvent['endpoint'];
  /** API root. @defaultValue 'https://services.leadconnectorhq.com' (ghl-api.md §0) */
  baseUrl?: string | undefined;
  method?: 'GET' | 'POST';
  path: string;
  /** Form-encoded (`/oauth/token`, `/oauth/locationToken`) or JSON body. */
  body?: URLSearchParams | Record<string, unknown>;
  headers?: Record<string, string>;
  /** Milliseconds before giving up. @defaultValue 30_000 (official SDK, ghl-api.md §3) */
  timeoutMs?: number | undefined;
  /** Code thrown when GHL refuses with 400/401: the grant, code or credential is not accepted. */
  refusedCode: ErrorCode;
  /** Text of the refusal message: "GHL refused <what> (status): reason". */
  what: string;
  onRequest?: ((event: GhlRequestEvent) => void) | undefined;
}

/**
 * Sends one OAuth request and returns the answer's body.
 * @throws GhlSyncError `oauth_client_invalid` on 400/401 naming the client credentials (see
 *   {@link refusesClient}); `refusedCode` on any other 400/401 (`details: { endpoint, status, reason, traceId? }`);
 *   otherwise the codes of RETRY_POLICY (`ghl_server_error`, `ghl_timeout`, `ghl_network_error`,
 *   `ghl_rate_limited`…). Secrets never appear in the error (the cause keeps no request body).
 */
export async function postOAuth(request: PostOAuthRequest): Promise<{ status: number; data: unknown }> {
  const baseUrl = (request.baseUrl ?? GHL_DEFAULT_BASE_URL).replace(/\/+$/, '');
  const started = performance.now();
  const report = (status: GhlRequestEvent['status']): void => {
    try {
      request.onRequest?.({
        endpoint: request.endpoint,
        status,
        durationMs: Math.round(performance.now() - started),
        attempt: 1,
      });
    } catch {
      // Metrics must never break an OAuth call.
    }
  };
  const form = request.body instanceof URLSearchParams;
  try {
    const response = await axios.request({
      method: request.method ?? 'POST',
      url: `${baseUrl}${request.path}`,
      ...(request.body !== undefined && { data: form ? request.body.toString() : request.body }),
      timeout: request.timeoutMs ?? GHL_CLIENT_DEFAULTS.timeoutMs,
      maxRedirects: 0,
      transitional: { clarifyTimeoutError: true },
      headers: {
        ...(request.body !== undefined && {
          'Content-Type': form ? 'application/x-www-form-urlencoded' : 'application/json',
        }),
        Accept: 'application/json',
        ...request.headers,
      },
    });
    report(response.status);
    return { status: response.status, data: response.data };
  } catch (err) {
    if (!isAxiosError(err)) throw err;
    const status = err.response?.status;
    report(status ?? (err.code === 'ETIMEDOUT' || err.code === 'ECONNABORTED' ? 'timeout' : 'network_error'));
    if (status === 400 || status === 401) {
      const reason = bodyMessage(err.response?.data) ?? `HTTP ${status}`;
      const traceId = bodyTraceId(err.response?.data);
      const details = { endpoint: request.endpoint, status, reason, ...(traceId !== undefined && { traceId }) };
      if (refusesClient(err.response?.data))
        throw new GhlSyncError(
          'oauth_client_invalid',
          `GHL refused the app's client credentials (${status}): ${reason}; check GHL_OAUTH_CLIENT_ID and GHL_OAUTH_CLIENT_SECRET`,
          { details, cause: safeCause(err) },
        );
      throw new GhlSyncError(request.refusedCode, `GHL refused ${request.what} (${status}): ${reason}`, {
        details,
        cause: safeCause(err),
      });
    }
    throw toGhlError(err, { endpoint: request.endpoint, attempts: 1 });
  }
}

/** A 2xx body that lacks what the caller needs: report only which fields were present (it may hold a token). */
export function invalidOAuthBody(endpoint: string, expected: string, data: unknown): GhlSyncError {
  const fields =
    typeof data === 'object' && data !== null && !Array.isArray(data) ? Object.keys(data).sort() : typeof data;
  return new GhlSyncError('ghl_invalid_response', `GHL ${endpoint} answered 2xx without ${expected}`, {
    retryable: false,
    details: { endpoint, fields },
  });
}

/**
 * Whether a refusal names the app's client credentials rather than the grant: OAuth's
 * `invalid_client` error (RFC 6749 §5.2) or a message saying "invalid client". GHL does not
 * document this answer (ghl-api.md §5.1); the words are our inference.
 */
function refusesClient(body: unknown): boolean {
  if (!isRecord(body)) return false;
  return ['error', 'error_description', 'message'].some(
    (key) => typeof body[key] === 'string' && /invalid[ _]client/i.test(body[key] as string),
  );
}

/**
 * Whether a failed OAuth call proves that GHL did not carry it out, so a single-use grant it
 * carried (a refresh token) is still unspent: the connection never carried the request (refused,
 * unknown host), or GHL refused the app's client credentials (`oauth_client_invalid`), which it
 * checks before it looks at the grant (RFC 6749 §5.2). Anything else after the request left
 * (a timeout, a reset, any status GHL answered, a 2xx that cannot be read) leaves the outcome
 * unknown: GHL may have used the grant, so it must not be sent again.
 */
export function provesNotProcessed(err: unknown): boolean {
  if (!(err instanceof GhlSyncError)) return false;
  if (err.code === 'oauth_client_invalid') return true;
  return (
    err.code === 'ghl_network_error' &&
    (err.details['axiosCode'] === 'ECONNREFUSED' || err.details['axiosCode'] === 'ENOTFOUND')
  );
}

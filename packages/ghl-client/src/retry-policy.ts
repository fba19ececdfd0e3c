import type { ErrorCode } from '@ghl-sync/errors';

/** Which retry budget of {@link GhlClientOptions} an outcome consumes. */
export type RetryBudget = 'maxAttempts' | 'maxRateLimitAttempts' | 'once' | 'none';

/** One row of {@link RETRY_POLICY}. */
export interface RetryRule {
  /** What GHL (or the network) did. */
  when: string;
  /** Whether the client itself sends the request again. */
  retried: boolean;
  /** The budget the retries count against. */
  budget: RetryBudget;
  /** How the retry waits, or why there is none. */
  how: string;
  /** Code of the GhlSyncError thrown when the outcome is final (retries spent or none allowed). `null`: rethrown unchanged. */
  errorCode: ErrorCode | null;
}

/**
 * THE retry policy of the client, as data: the interceptors look each failure up here, the docs render it,
 * and a test checks the behaviour against it. Keys are the failure kinds `classifyFailure` returns.
 *
 * Sources: ghl-api.md §3 (status codes and bodies), §4 (rate-limit headers, daily-remaining "0"),
 * §5.1 (refresh on "Invalid JWT"); the official SDK refreshes once on 401 and retries nothing else (§3),
 * we add 5xx/timeout/reset retries because GHL documents no idempotency problem for GETs.
 */
export const RETRY_POLICY = {
  server_error: {
    when: 'HTTP 5xx',
    retried: true,
    budget: 'maxAttempts',
    how: 'full-jitter exponential backoff (backoffBaseMs·2^(n-1), capped at backoffMaxMs), fresh timeout per attempt',
    errorCode: 'ghl_server_error',
  },
  timeout: {
    when: 'no answer within timeoutMs (ETIMEDOUT / ECONNABORTED)',
    retried: true,
    budget: 'maxAttempts',
    how: 'full-jitter exponential backoff, fresh full timeout per attempt (shouldResetTimeout)',
    errorCode: 'ghl_timeout',
  },
  connection_error: {
    when: 'connection reset / refused / broken pipe / DNS try-again (ECONNRESET, ECONNREFUSED, EPIPE, EAI_AGAIN)',
    retried: true,
    budget: 'maxAttempts',
    how: 'full-jitter exponential backoff',
    errorCode: 'ghl_network_error',
  },
  invalid_body: {
    when: 'HTTP 2xx whose body is not the documented envelope (not JSON, HTML, no `meta`, `opportunities` not an array)',
    retried: true,
    budget: 'maxAttempts',
    how: 'full-jitter exponential backoff',
    errorCode: 'ghl_invalid_response',
  },
  rate_limited: {
    when: 'HTTP 429 (burst)',
    retried: true,
    budget: 'maxRateLimitAttempts',
    how: 'gate.observe then gate.acquire decides the wait; without a gate sleep Retry-After (seconds or HTTP-date), else X-RateLimit-Interval-Milliseconds, else 10 s',
    errorCode: 'ghl_rate_limited',
  },
  daily_quota_exhausted: {
    when: 'HTTP 429 with X-RateLimit-Daily-Remaining: 0',
    retried: false,
    budget: 'none',
    how: 'thrown immediately (after gate.observe) with retryAfterMs = Retry-After, else until the next 00:00 UTC: waiting seconds cannot help',
    errorCode: 'daily_quota_exhausted',
  },
  token_expired: {
    when: 'HTTP 401 with message "Invalid JWT"',
    retried: true,
    budget: 'once',
    how: 'only when auth.refresh exists: refresh(rejectedToken) once, resend once with the new token; a second 401 is final',
    errorCode: 'ghl_token_expired',
  },
  unauthorized: {
    when: 'HTTP 401 with any other message (scope, authClass, user type, invalid token)',
    retried: false,
    budget: 'none',
    how: 'never refreshed: a new token would be refused the same way',
    errorCode: 'ghl_unauthorized',
  },
  forbidden: {
    when: 'HTTP 403',
    retried: false,
    budget: 'none',
    how: 'permanent (token has no access to the location)',
    errorCode: 'ghl_forbidden',
  },
  not_found: {
    when: 'HTTP 404',
    retried: false,
    budget: 'none',
    how: 'permanent (unknown route or record)',
    errorCode: 'ghl_not_found',
  },
  bad_request: {
    when: 'HTTP 400 / 422',
    retried: false,
    budget: 'none',
    how: 'permanent: the request itself is wrong',
    errorCode: 'ghl_bad_request',
  },
  other_status: {
    when: 'any other non-2xx status (other 4xx; 3xx, since redirects are not followed)',
    retried: false,
    budget: 'none',
    how: 'permanent (unexpected answer)',
    errorCode: 'ghl_bad_request',
  },
  other_network_error: {
    when: 'any other failure without an HTTP answer (ENOTFOUND, TLS errors…)',
    retried: false,
    budget: 'none',
    how: 'not retried by the client (likely configuration); the error stays retryable for the job',
    errorCode: 'ghl_network_error',
  },
  gate_refused: {
    when: 'gate.acquire threw (ghl_rate_limited: no slot within the wait cap / daily_quota_exhausted / redis_error)',
    retried: false,
    budget: 'none',
    how: 'rethrown unchanged, no request sent',
    errorCode: null,
  },
} as const satisfies Record<string, RetryRule>;

/** A failure kind: a key of {@link RETRY_POLICY}. */
export type FailureKind = keyof typeof RETRY_POLICY;

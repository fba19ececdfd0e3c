/**
 * Milliseconds to wait according to a `Retry-After` header: either delta-seconds (`"120"`, decimals tolerated)
 * or an HTTP-date (RFC 9110 §10.2.3). A date in the past gives 0.
 *
 * GHL does not document `Retry-After` (one community note claims it is sent — ghl-api.md §3 / quirk 18),
 * so `undefined` is returned for an absent or unparsable value and the caller falls back to
 * `X-RateLimit-Interval-Milliseconds`.
 *
 * @param value - raw header value
 * @param nowMs - current epoch milliseconds (injectable for tests) @defaultValue Date.now()
 */
export function parseRetryAfter(value: string | undefined | null, nowMs: number = Date.now()): number | undefined {
  if (value == null) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  // An HTTP-date always names a month; without this, Date.parse would read "-5" as a year.
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * Wait before retrying a 429 when no gate is configured: `Retry-After` if usable, else
 * `X-RateLimit-Interval-Milliseconds` (the burst window, 10 000 per ghl-api.md §4), else `fallbackMs`.
 *
 * @param headers - lower-cased response headers
 * @param fallbackMs - used when neither header is usable @defaultValue 10_000 (GHL's documented burst window, §4)
 */
export function rateLimitWaitMs(
  headers: Record<string, string | undefined>,
  fallbackMs = 10_000,
  nowMs: number = Date.now(),
): number {
  const retryAfter = parseRetryAfter(headers['retry-after'], nowMs);
  if (retryAfter !== undefined) return retryAfter;
  const interval = Number(headers['x-ratelimit-interval-milliseconds']);
  if (Number.isFinite(interval) && interval > 0) return interval;
  return fallbackMs;
}

/**
 * Wait before anything may be sent after a daily-quota 429 (`X-RateLimit-Daily-Remaining: 0`):
 * `Retry-After` if usable, else until the next 00:00 UTC. GHL documents no daily reset time
 * (ghl-api.md §4); UTC midnight is the same assumption the rate limiter makes. The burst interval
 * would be wrong here: the job would wake after 10 s only to be delayed again.
 *
 * @param headers - lower-cased response headers
 */
export function dailyQuotaWaitMs(headers: Record<string, string | undefined>, nowMs: number = Date.now()): number {
  const retryAfter = parseRetryAfter(headers['retry-after'], nowMs);
  if (retryAfter !== undefined) return retryAfter;
  const d = new Date(nowMs);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1) - nowMs;
}

/**
 * The one reading of GHL's rate-limit answers: `Retry-After`, the `X-RateLimit-*` headers and the daily
 * reset. Both the client (429 without a gate) and the shared rate limiter use it, so they cannot
 * disagree about what a header means.
 *
 * Sources: ghl-api.md §4 (X-RateLimit-Max, -Remaining, -Interval-Milliseconds, -Daily-Max,
 * -Daily-Remaining; 100 requests / 10 s and 200,000 / day per location), RFC 9110 §10.2.3 (Retry-After).
 */

/** Lower-cased response headers, as the client hands them to a gate. */
export type ResponseHeaders = Record<string, string | undefined>;

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
 * Milliseconds until the next 00:00 UTC, when the daily budget is assumed to reset. GHL documents no
 * reset time (ghl-api.md §4); UTC midnight is the one assumption everything here makes.
 *
 * @param nowMs - current epoch milliseconds @defaultValue Date.now()
 */
export function msUntilNextUtcMidnight(nowMs: number = Date.now()): number {
  const d = new Date(nowMs);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1) - nowMs;
}

/** What a GHL answer says about the location's budget; a field is absent when its header is absent or impossible. */
export interface RateLimitFacts {
  /** `X-RateLimit-Max`: requests per interval, a positive integer. */
  maxRequests?: number;
  /** `X-RateLimit-Interval-Milliseconds`: the burst window, a positive integer. */
  intervalMs?: number;
  /** `X-RateLimit-Remaining`: requests left in the current interval, 0 to `maxRequests`. */
  remaining?: number;
  /** `X-RateLimit-Daily-Remaining`: requests left today, a non-negative integer. */
  dailyRemaining?: number;
  /** `Retry-After`, in ms from now. */
  retryAfterMs?: number;
  /**
   * Headers present but impossible (`X-RateLimit-Max: 0`, a negative or non-numeric value, more
   * remaining than the maximum), as `name: value`. They are ignored: a limit of 0 cannot be real, and
   * obeying it would throttle a location to a crawl. `X-RateLimit-Remaining` is ignored with an
   * impossible `X-RateLimit-Max`, since it counts down from it.
   */
  impossible: string[];
}

const INTEGER = /^\d+$/;

/**
 * Reads the rate-limit headers of one answer, dropping impossible values (listed in `impossible`).
 *
 * @param headers - lower-cased response headers
 * @param nowMs - current epoch milliseconds, for an HTTP-date `Retry-After` @defaultValue Date.now()
 */
export function readRateLimitHeaders(headers: ResponseHeaders, nowMs: number = Date.now()): RateLimitFacts {
  const facts: RateLimitFacts = { impossible: [] };
  const read = (name: string, min: number): number | undefined | null => {
    const raw = headers[name]?.trim();
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (INTEGER.test(raw) && Number.isSafeInteger(value) && value >= min) return value;
    facts.impossible.push(`${name}: ${raw}`);
    return null;
  };
  const max = read('x-ratelimit-max', 1);
  if (typeof max === 'number') facts.maxRequests = max;
  const interval = read('x-ratelimit-interval-milliseconds', 1);
  if (typeof interval === 'number') facts.intervalMs = interval;
  const remaining = read('x-ratelimit-remaining', 0);
  if (typeof remaining === 'number') {
    if (max === null || (max !== undefined && remaining > max)) {
      facts.impossible.push(`x-ratelimit-remaining: ${remaining}`);
    } else {
      facts.remaining = remaining;
    }
  }
  const daily = read('x-ratelimit-daily-remaining', 0);
  if (typeof daily === 'number') facts.dailyRemaining = daily;
  const retryAfter = parseRetryAfter(headers['retry-after'], nowMs);
  if (retryAfter !== undefined) facts.retryAfterMs = retryAfter;
  return facts;
}

/**
 * Wait before retrying a burst 429: `Retry-After` if usable, else `X-RateLimit-Interval-Milliseconds`
 * (the burst window, 10 000 per ghl-api.md §4), else `fallbackMs`.
 *
 * @param headers - lower-cased response headers
 * @param fallbackMs - used when neither header is usable @defaultValue 10_000 (GHL's documented burst window, §4)
 */
export function rateLimitWaitMs(headers: ResponseHeaders, fallbackMs = 10_000, nowMs: number = Date.now()): number {
  const facts = readRateLimitHeaders(headers, nowMs);
  return facts.retryAfterMs ?? facts.intervalMs ?? fallbackMs;
}

/**
 * Wait before anything may be sent after a daily-quota 429 (`X-RateLimit-Daily-Remaining: 0`):
 * `Retry-After` if usable, else until the next 00:00 UTC ({@link msUntilNextUtcMidnight}). The burst
 * interval would be wrong here: the job would wake after 10 s only to be delayed again.
 *
 * @param headers - lower-cased response headers
 */
export function dailyQuotaWaitMs(headers: ResponseHeaders, nowMs: number = Date.now()): number {
  return parseRetryAfter(headers['retry-after'], nowMs) ?? msUntilNextUtcMidnight(nowMs);
}

import type { FastifyReply } from 'fastify';
import type { LocationRuntime } from '../location-runtime.js';
import type { RateLimitSettings } from '../location-runtime.js';

/**
 * What the headers report for a disabled limit. Reporting 0 would read as "exhausted" to clients
 * that throttle by `X-RateLimit-Daily-Remaining == 0` (ghl-api.md §4 [O S24]), so a disabled
 * limit shows as a very large one.
 */
const UNLIMITED = 1_000_000_000;

const show = (value: number): string => String(Number.isFinite(value) ? value : UNLIMITED);

/**
 * Sets the five documented rate-limit headers (ghl-api.md §4 [C S4]) for a location, or from
 * the configured limits when the request could not be tied to one (unknown token).
 */
export function setRateLimitHeaders(
  reply: FastifyReply,
  settings: RateLimitSettings,
  runtime: LocationRuntime | undefined,
  nowMs: number,
): void {
  const max = settings.rateLimitMax === 0 ? UNLIMITED : settings.rateLimitMax;
  const daily = settings.dailyLimit === 0 ? UNLIMITED : settings.dailyLimit;
  reply.header('X-RateLimit-Limit-Daily', String(daily));
  reply.header('X-RateLimit-Daily-Remaining', runtime ? show(runtime.daily.remaining(nowMs)) : String(daily));
  reply.header('X-RateLimit-Interval-Milliseconds', String(settings.rateLimitIntervalMs));
  reply.header('X-RateLimit-Max', String(max));
  reply.header('X-RateLimit-Remaining', runtime ? show(runtime.limiter.remaining(nowMs)) : String(max));
}

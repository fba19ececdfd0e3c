export {
  createRateLimiter,
  parseRetryAfterMs,
  type RateLimiter,
  type ObservedResponse,
} from './create-rate-limiter.js';
export type { RateLimiterOptions } from './rate-limiter-options.js';

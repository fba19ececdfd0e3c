export {
  createRateLimiter,
  type RateLimiter,
  type ObservedResponse,
  type RequestClass,
} from './create-rate-limiter.js';
export type { RateLimiterLogger, RateLimiterOptions } from './rate-limiter-options.js';

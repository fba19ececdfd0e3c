import { LocationStore } from './data/location-store.js';
import type { LocationProfile } from './data/location-profile.js';
import { hash32, Prng } from './data/prng.js';
import { DailyCounter } from './rate-limit/daily-counter.js';
import { SlidingWindowLimiter } from './rate-limit/sliding-window.js';
import { StatsCounter } from './stats.js';

/** Rate-limit settings a location is created with. */
export interface RateLimitSettings {
  rateLimitMax: number;
  rateLimitIntervalMs: number;
  dailyLimit: number;
}

/** Everything the sandbox keeps for one location: data, knobs, limits, counters. */
export class LocationRuntime {
  readonly store: LocationStore;
  limiter: SlidingWindowLimiter;
  daily: DailyCounter;
  readonly stats = new StatsCounter();
  /** Draws for probabilistic knobs (failureRate, hangRate, latency jitter): seeded, so runs repeat. */
  readonly knobPrng: Prng;
  /** The agency (company) the location belongs to. */
  companyId = '';
  /** Bumped when knobs change; part of cache keys. */
  knobsVersion = 0;
  /** Filtered-search totals, keyed by filter signature + index version + knobs version. */
  readonly totalCache = new Map<string, number>();

  constructor(
    readonly id: string,
    readonly name: string,
    readonly token: string,
    profile: LocationProfile,
    private readonly limits: RateLimitSettings,
  ) {
    this.store = new LocationStore(profile);
    this.limiter = new SlidingWindowLimiter(limits.rateLimitMax, limits.rateLimitIntervalMs);
    this.daily = new DailyCounter(limits.dailyLimit);
    this.knobPrng = new Prng(hash32(profile.salt, 0x6b0b));
  }

  /** Forgets all burst-window and daily usage (a fresh day and window). */
  resetRateLimits(): void {
    this.limiter = new SlidingWindowLimiter(this.limits.rateLimitMax, this.limits.rateLimitIntervalMs);
    this.daily = new DailyCounter(this.limits.dailyLimit);
  }
}

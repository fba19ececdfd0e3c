const DAY_MS = 86_400_000;

/**
 * The daily limit of one location (ghl-api.md §4: 200,000 per day [C S4]). The reset time is
 * undocumented; we reset at 00:00 UTC (our inference). Counts accepted requests only, like
 * {@link SlidingWindowLimiter}.
 */
export class DailyCounter {
  private day = -1;
  private used = 0;

  /** @param limit - requests per UTC day; 0 disables the limit. */
  constructor(readonly limit: number) {}

  private roll(nowMs: number): void {
    const day = Math.floor(nowMs / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.used = 0;
    }
  }

  /** Requests left today (the `X-RateLimit-Daily-Remaining` value). */
  remaining(nowMs: number): number {
    this.roll(nowMs);
    return this.limit === 0 ? Number.POSITIVE_INFINITY : Math.max(0, this.limit - this.used);
  }

  /** Whether today's budget has room; does not consume. */
  hasRoom(nowMs: number): boolean {
    return this.remaining(nowMs) > 0;
  }

  /** Consumes one request of today's budget. */
  consume(nowMs: number): void {
    this.roll(nowMs);
    this.used += 1;
  }

  /** Ms until the next UTC midnight. */
  msUntilReset(nowMs: number): number {
    return DAY_MS - (nowMs % DAY_MS);
  }
}

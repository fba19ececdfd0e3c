/**
 * The burst limit of one location: at most `max` accepted requests in any sliding window of
 * `intervalMs` (ghl-api.md §4: 100 per 10 s per app per location [C S4]).
 *
 * Only accepted requests are recorded. A rejected (429) request does not occupy a slot, so a
 * client that keeps hammering while limited cannot push the window forward forever — the window
 * frees up `intervalMs` after the oldest accepted request, as a token-bucket-like upstream would.
 */
export class SlidingWindowLimiter {
  /** Timestamps (ms) of accepted requests still inside the window, oldest first. */
  private readonly accepted: number[] = [];
  private head = 0;
  /** Entries dropped from the front of `accepted` so far (turns local indices into global ones). */
  private dropped = 0;
  /** Global index of the first acceptance counted by {@link maxInAnyWindow}. */
  private statsFrom = 0;
  /** Largest number of accepted requests in any window since the last {@link resetMax} (exact; see {@link tryAcquire}). */
  maxInAnyWindow = 0;

  /**
   * @param max - requests per window; 0 disables the limit.
   * @param intervalMs - window length in ms.
   */
  constructor(
    readonly max: number,
    readonly intervalMs: number,
  ) {}

  private evict(nowMs: number): void {
    while (this.head < this.accepted.length && (this.accepted[this.head] as number) <= nowMs - this.intervalMs)
      this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.accepted.length) {
      this.accepted.splice(0, this.head);
      this.dropped += this.head;
      this.head = 0;
    }
  }

  /** Accepted requests in the window ending at `nowMs`. */
  inWindow(nowMs: number): number {
    this.evict(nowMs);
    return this.accepted.length - this.head;
  }

  /** Slots left in the window ending at `nowMs` (the `X-RateLimit-Remaining` value). */
  remaining(nowMs: number): number {
    return this.max === 0 ? Number.POSITIVE_INFINITY : Math.max(0, this.max - this.inWindow(nowMs));
  }

  /**
   * Records a request at `nowMs` if a slot is free. Because every window's maximum is reached at
   * some accepted request's timestamp, taking the max of the in-window count at each acceptance
   * gives the exact maximum over all windows.
   */
  tryAcquire(nowMs: number): boolean {
    const current = this.inWindow(nowMs);
    if (this.max !== 0 && current >= this.max) return false;
    this.accepted.push(nowMs);
    const sinceReset = this.accepted.length - Math.max(this.head, this.statsFrom - this.dropped);
    this.maxInAnyWindow = Math.max(this.maxInAnyWindow, sinceReset);
    return true;
  }

  /**
   * Restarts {@link maxInAnyWindow} so it only counts requests accepted from now on; the limit
   * itself still sees the earlier ones.
   */
  resetMax(): void {
    this.statsFrom = this.dropped + this.accepted.length;
    this.maxInAnyWindow = 0;
  }

  /** Ms until the oldest accepted request leaves the window (0 when a slot is free). */
  msUntilFree(nowMs: number): number {
    if (this.remaining(nowMs) > 0) return 0;
    return (this.accepted[this.head] as number) + this.intervalMs - nowMs;
  }
}

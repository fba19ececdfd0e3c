import { describe, expect, it } from 'vitest';
import { SlidingWindowLimiter } from './sliding-window.js';

describe('SlidingWindowLimiter', () => {
  it('admits max per window and frees slots as old requests leave it', () => {
    const limiter = new SlidingWindowLimiter(3, 1000);
    expect([0, 10, 20].map((t) => limiter.tryAcquire(t))).toEqual([true, true, true]);
    expect(limiter.tryAcquire(500)).toBe(false);
    expect(limiter.remaining(500)).toBe(0);
    expect(limiter.msUntilFree(500)).toBe(500);
    expect(limiter.tryAcquire(1000)).toBe(true); // the t=0 request left the window
    expect(limiter.tryAcquire(1005)).toBe(false);
    expect(limiter.maxInAnyWindow).toBe(3);
  });

  it('does not let rejected requests extend the window', () => {
    const limiter = new SlidingWindowLimiter(1, 100);
    expect(limiter.tryAcquire(0)).toBe(true);
    for (let t = 1; t < 100; t += 1) expect(limiter.tryAcquire(t)).toBe(false);
    expect(limiter.tryAcquire(100)).toBe(true);
  });

  it('tracks the exact max in any window when unlimited', () => {
    const limiter = new SlidingWindowLimiter(0, 100);
    for (const t of [0, 50, 99, 150, 160, 170, 180]) limiter.tryAcquire(t);
    // (80, 180] holds 99, 150, 160, 170, 180
    expect(limiter.maxInAnyWindow).toBe(5);
    expect(limiter.remaining(180)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('SlidingWindowLimiter.resetMax', () => {
  it('counts only requests accepted after the reset', () => {
    const limiter = new SlidingWindowLimiter(10, 1000);
    for (const t of [0, 1, 2, 3]) limiter.tryAcquire(t);
    limiter.resetMax();
    expect(limiter.maxInAnyWindow).toBe(0);
    limiter.tryAcquire(4);
    limiter.tryAcquire(5);
    expect(limiter.maxInAnyWindow).toBe(2);
    expect(limiter.remaining(5)).toBe(4);
  });
});

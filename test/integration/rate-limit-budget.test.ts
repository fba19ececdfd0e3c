import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRun, listPages } from '@ghl-sync/db';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { waitFor } from '../support/wait-for.js';
import { queuedPages } from '../support/queued-pages.js';

// #4: the daily budget, the cap on rate-limit waits, and limits learned from GHL's headers.
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('when the daily budget runs out (#4)', () => {
  let stack: TestStack;
  let id: string;
  beforeAll(async () => {
    // 5 pages need 1 + 5 + 5 = 11 requests; GHL allows 8 today.
    stack = await startTestStack({
      sandbox: { seed: 45, locations: [{ opportunities: 500 }], dailyLimit: 8 },
      env: { RATE_LIMIT_DAILY: '0' },
    });
    id = stack.sandbox.locations[0]!.id;
    await stack.startWorkers(1);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('annotates the run daily_quota_exhausted, delays its jobs instead of failing them and sends nothing more', async () => {
    const run = await stack.startRun(id);
    const annotated = await waitFor('the annotation', async () => {
      const r = await getRun(stack.database.db, run.id);
      return r?.errorCode === 'daily_quota_exhausted' ? r : null;
    });
    expect(['listing', 'writing']).toContain(annotated.status);
    // X-RateLimit-Daily-Remaining reached 0 on the 8th answer. Only requests already in flight then
    // (page jobs run 8 at once) can still reach GHL and draw a daily 429.
    const sent = stack.sandbox.admin.getStats(id);
    expect(sent.accepted).toBe(8);
    expect(sent.rejected429).toBeLessThanOrEqual(3);
    await sleep(2_000);
    expect(stack.sandbox.admin.getStats(id).requests).toBe(sent.requests);
    const counts = await stack.queues.page.getJobCounts('failed', 'delayed', 'active');
    const coordinator = await stack.queues.coordinator.getJobCounts('failed', 'delayed');
    expect((counts.failed ?? 0) + (coordinator.failed ?? 0)).toBe(0);
    expect((counts.delayed ?? 0) + (coordinator.delayed ?? 0)).toBeGreaterThan(0);
    const delayed = [...(await stack.queues.page.getDelayed()), ...(await stack.queues.coordinator.getDelayed())];
    // Delayed to the next UTC day (the sandbox's daily window), not retried every few seconds.
    const msToMidnight = new Date().setUTCHours(24, 0, 0, 0) - Date.now();
    for (const job of delayed) expect(job.delay).toBeGreaterThan(Math.min(msToMidnight - 60_000, 3_600_000));
    expect((await getRun(stack.database.db, run.id))!.status).not.toBe('failed');

    // The next window: GHL's counter resets and the delay expires; the run finishes exactly.
    stack.sandbox.admin.resetRateLimits(id);
    const keys = await stack.redis.keys(`${stack.redis.prefix}:rl:{${id}}:*`);
    if (keys.length > 0) await stack.redis.redis.del(...keys);
    for (const job of delayed) await job.promote();
    const done = await stack.wait(run.id, 60_000);
    expect(done).toMatchObject({ status: 'completed', inserted: 500, failedPages: 0 });
    expect(await stack.compare(id)).toMatchObject({ checked: 500, mismatches: [] });
  });
});

describe('when a page job waits for its location longer than the cap (#4)', () => {
  let stack: TestStack;
  let id: string;
  beforeAll(async () => {
    stack = await startTestStack({
      sandbox: { seed: 46, locations: [{ opportunities: 300 }] },
      env: { RATE_LIMIT_DAILY: '0', RATE_LIMIT_MAX_WAIT_MS: '8000' },
    });
    id = stack.sandbox.locations[0]!.id;
    await stack.startWorkers(1);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('delays it without spending an attempt, then fails it with rate_limited_too_long', async () => {
    await stack.queues.page.pause();
    let run;
    try {
      run = await stack.startRun(id);
      await waitFor('the page jobs', async () => {
        if ((await getRun(stack.database.db, run!.id))?.status !== 'writing') return false;
        // A paused queue keeps its jobs waiting; page jobs carry a priority, so BullMQ counts them as 'prioritized'.
        return (await queuedPages(stack)) === 3;
      });
      // Every page answer is a 429 asking for 6 s: longer than a page job waits in place (1 s).
      stack.sandbox.admin.setKnobs(id, { forceStatus: { status: 429, count: 1_000, retryAfterSec: 6 } });
    } finally {
      await stack.queues.page.resume();
    }
    const done = await stack.wait(run.id, 60_000);
    expect(done).toMatchObject({ status: expect.stringMatching(/failed/), failedPages: 3 });
    const pages = await listPages(stack.database.db, run.id);
    expect(pages.map((p) => p.errorCode)).toEqual(Array(3).fill('rate_limited_too_long'));
    const failed = await stack.queues.page.getFailed();
    // Waiting is not a failed attempt: each job failed once, on the cap, after being delayed.
    for (const job of failed) {
      expect(job.attemptsMade).toBeLessThanOrEqual(1);
      expect((job.data as { rateLimitWaitedMs: number }).rateLimitWaitedMs).toBeGreaterThan(5_000);
    }
    // Every page got one 429, then the location stayed paused: no hammering.
    expect(stack.sandbox.admin.getStats(id).rejected429).toBeLessThanOrEqual(6);
  });
});

describe('when GHL reports different limits than configured (#4)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({
      // Location 0's real limit is tighter than configured; the sandbox reports it in X-RateLimit-Max.
      sandbox: {
        seed: 47,
        locations: [{ opportunities: 2_000 }],
        rateLimitMax: 10,
        rateLimitIntervalMs: 1_000,
        dailyLimit: 0,
      },
      env: { RATE_LIMIT_MAX: '100', RATE_LIMIT_INTERVAL_MS: '1000', RATE_LIMIT_DAILY: '0' },
    });
    await stack.startWorkers(2);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('tightens to the limit GHL announces and draws no 429', async () => {
    const id = stack.sandbox.locations[0]!.id;
    const run = await stack.sync(id, { timeoutMs: 60_000 });
    expect(run).toMatchObject({ status: 'completed', inserted: 2_000, failedPages: 0 });
    const stats = stack.sandbox.admin.getStats(id);
    expect(stats.maxInAnyWindow).toBeLessThanOrEqual(10);
    expect(stats.rejected429).toBe(0);
  });
});

describe('when GHL reports a looser limit than configured (#4)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    // The sandbox's limiter is off and reports X-RateLimit-Max 1,000,000,000; ghl-sync must keep its own 10 / s.
    stack = await startTestStack({
      sandbox: {
        seed: 48,
        locations: [{ opportunities: 2_000 }],
        rateLimitMax: 0,
        rateLimitIntervalMs: 1_000,
        dailyLimit: 0,
      },
      env: { RATE_LIMIT_MAX: '10', RATE_LIMIT_INTERVAL_MS: '1000', RATE_LIMIT_DAILY: '0' },
    });
    await stack.startWorkers(2);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('keeps its configured budget', async () => {
    const id = stack.sandbox.locations[0]!.id;
    const run = await stack.sync(id, { timeoutMs: 60_000 });
    expect(run).toMatchObject({ status: 'completed', inserted: 2_000, failedPages: 0 });
    expect(stack.sandbox.admin.getStats(id).maxInAnyWindow).toBeLessThanOrEqual(10);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/test-stack.js';

// #4: one budget per location shared by every worker process; a small location is not starved by a big one.
// Scaled down 10×: GHL's 100 / 10 s becomes 20 / 1 s on both sides (sandbox and ghl-sync).
const LIMIT = 20;
const INTERVAL_MS = 1_000;

// Spawns worker processes from dist/: slow to start on a loaded machine, so the budget is generous.
describe('when a big and a small location sync together on three worker processes', { timeout: 240_000 }, () => {
  let stack: TestStack;
  let a: string;
  let b: string;
  beforeAll(async () => {
    stack = await startTestStack({
      sandbox: {
        seed: 41,
        locations: [{ opportunities: 6_000 }, { opportunities: 500 }],
        rateLimitMax: LIMIT,
        rateLimitIntervalMs: INTERVAL_MS,
        dailyLimit: 0,
      },
      env: { RATE_LIMIT_MAX: String(LIMIT), RATE_LIMIT_INTERVAL_MS: String(INTERVAL_MS), RATE_LIMIT_DAILY: '0' },
    });
    a = stack.sandbox.locations[0]!.id;
    b = stack.sandbox.locations[1]!.id;
    stack.spawnWorkers(3);
    // Time B from ready workers, not from node start-up.
    for (let i = 0; i < 300 && stack.logs.join('').split('worker started').length - 1 < 3; i++)
      await new Promise((r) => setTimeout(r, 100));
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('finishes the small location first, never exceeds either budget and draws no 429', async () => {
    const [runA, runB] = await Promise.all([stack.startRun(a), stack.startRun(b)]);
    let requestsOfAWhenBDone = -1;
    const [doneA, doneB] = await Promise.all([
      stack.wait(runA.id, 120_000),
      stack.wait(runB.id, 120_000).then((done) => {
        requestsOfAWhenBDone = stack.sandbox.admin.getStats(a).requests;
        return done;
      }),
    ]);
    expect(doneA).toMatchObject({ status: 'completed', pages: 60, inserted: 6_000, failedPages: 0 });
    expect(doneB).toMatchObject({ status: 'completed', pages: 5, inserted: 500, failedPages: 0 });

    const tookA = doneA.finishedAt!.getTime() - doneA.startedAt.getTime();
    const tookB = doneB.finishedAt!.getTime() - doneB.startedAt.getTime();
    const statsA = stack.sandbox.admin.getStats(a);
    const statsB = stack.sandbox.admin.getStats(b);
    console.info(JSON.stringify({ tookA, tookB, requestsOfAWhenBDone, statsA, statsB }));

    // A needs 121 requests (≥ 6 s at 20/s). B's 11 fit in its own first budget window, so B never
    // waits on A's backlog. Asserted by order, not by the clock: B was done while A still had a quarter
    // of its requests to make (a B queued behind A's backlog would see all 121 made).
    expect(statsB.accepted).toBeLessThanOrEqual(LIMIT);
    expect(doneB.finishedAt!.getTime()).toBeLessThan(doneA.finishedAt!.getTime());
    expect(requestsOfAWhenBDone).toBeGreaterThanOrEqual(0);
    expect(requestsOfAWhenBDone).toBeLessThan((doneA.apiCalls * 3) / 4);
    for (const stats of [statsA, statsB]) {
      expect(stats.maxInAnyWindow).toBeLessThanOrEqual(LIMIT);
      expect(stats.rejected429).toBe(0);
    }
    expect(statsA.accepted).toBe(doneA.apiCalls);
    expect(await stack.compare(a)).toMatchObject({ checked: 6_000, mismatches: [] });
    expect(await stack.compare(b)).toMatchObject({ checked: 500, mismatches: [] });
  });
});

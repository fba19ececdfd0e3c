import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listPages } from '@ghl-sync/db';
import { startTestStack, type TestStack } from '../support/test-stack.js';

// #4: 5xx are retried with backoff and the run stays exact; 4xx other than 429/401 are final at once.
describe('retries against GHL errors (#4)', () => {
  let stack: TestStack;
  const loc = (i: number) => stack.sandbox.locations[i]!.id;
  beforeAll(async () => {
    stack = await startTestStack({
      sandbox: {
        seed: 44,
        locations: [{ opportunities: 800 }, { opportunities: 50 }, { opportunities: 50 }, { opportunities: 50 }],
      },
      env: { RATE_LIMIT_DAILY: '0' },
    });
    await stack.startWorkers(2);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  describe('when GHL answers 5xx', () => {
    it('retries each failed request within the same job and the run is exact', async () => {
      const id = loc(0);
      // Page 3 of the listing fails three times in a row (500, then 502, then 503 across its retries).
      stack.sandbox.admin.setKnobs(id, { failPages: [{ pageIndex: 3, status: 503, times: 3 }], failureRate: 0.15 });
      const run = await stack.sync(id, { timeoutMs: 90_000 });
      expect(run).toMatchObject({ status: 'completed', inserted: 800, failedPages: 0, sweepStatus: 'done' });
      expect(await stack.compare(id)).toMatchObject({ checked: 800, mismatches: [] });
      const stats = stack.sandbox.admin.getStats(id);
      const failures = Object.entries(stats.byStatus)
        .filter(([s]) => s.startsWith('5'))
        .reduce((n, [, c]) => n + c, 0);
      expect(failures).toBeGreaterThanOrEqual(3);
      // Every retry is a real request and is counted in the run (the knobs only fail search requests).
      expect(run.apiCalls).toBe(stats.requests);
      const pages = await listPages(stack.database.db, run.id);
      expect(pages.every((p) => p.status === 'done')).toBe(true);
    });
  });

  describe.each([
    [400, 'ghl_bad_request'],
    [403, 'ghl_forbidden'],
    [422, 'ghl_bad_request'],
  ] as const)('when GHL answers %i', (status, code) => {
    it(`sends the refused request once and fails the run with ${code}`, async () => {
      const id = loc(status === 400 ? 1 : status === 403 ? 2 : 3);
      stack.sandbox.admin.resetStats(id);
      stack.sandbox.admin.setKnobs(id, { forceStatus: { status, count: 1 } });
      const run = await stack.sync(id, { timeoutMs: 30_000 });
      expect(run).toMatchObject({
        status: 'failed',
        errorCode: code,
        sweepStatus: expect.not.stringMatching(/^done$/),
      });
      // The pipelines call and the listing's first page go out together: one of them is refused
      // and never sent again, the other answered.
      expect(stack.sandbox.admin.getStats(id)).toMatchObject({
        requests: 2,
        byStatus: { [String(status)]: 1, '200': 1 },
      });
    });
  });
});

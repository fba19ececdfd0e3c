import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLocation } from './support/check-location.js';
import { expectExact } from './support/expect-exact.js';
import { startFaultStack, type FaultStack } from './support/fault-stack.js';
import { recordResult, scaled } from './support/results.js';

// Scenario 7: one location gets a storm of 429s with Retry-After while another location syncs.
const STORMED = scaled(1_500, 20_000);
const CALM = scaled(1_500, 20_000);
const STORM = scaled(30, 100);

describe('fault 7: a 429 storm on one location while another syncs', () => {
  let stack: FaultStack;
  let stormed: string;
  let calm: string;
  const started = Date.now();
  const result = { runs: 0, rowsChecked: 0, lost: 0, duplicated: 0, notes: '' };
  beforeAll(async () => {
    stack = await startFaultStack({
      sandbox: { seed: 707, locations: [{ opportunities: STORMED }, { opportunities: CALM }] },
    });
    stormed = stack.sandbox.locations[0]!.id;
    calm = stack.sandbox.locations[1]!.id;
    stack.spawnWorkers(2);
  });
  afterAll(async () => {
    recordResult({ scenario: '7 429 storm', ...result, durationMs: Date.now() - started });
    stack?.dumpLogs('07-rate-limit-storm');
    await stack?.stop();
  });

  it('the calm location is unaffected; the stormed one completes after the storm', async () => {
    stack.sandbox.admin.setKnobs(stormed, {
      sendRetryAfter: true,
      forceStatus: { status: 429, count: STORM, retryAfterSec: 1 },
    });
    const t0 = Date.now();
    const [runA, runB] = await Promise.all([stack.startRun(stormed), stack.startRun(calm)]);
    const calmRun = await stack.wait(runB.id, 180_000);
    const calmMs = Date.now() - t0;
    const stormedRun = await stack.wait(runA.id, scaled(300_000, 900_000));
    const stormedMs = Date.now() - t0;
    result.runs = 2;
    result.notes = `calm ${Math.round(calmMs / 1000)} s, stormed ${Math.round(stormedMs / 1000)} s`;

    expect(calmRun).toMatchObject({ status: 'completed', listed: CALM, inserted: CALM, failedPages: 0 });
    expect(stack.sandbox.admin.getStats(calm).rejected429).toBe(0);
    expect(stormedRun).toMatchObject({
      status: 'completed',
      listed: STORMED,
      inserted: STORMED,
      failedPages: 0,
      sweepStatus: 'done',
    });
    const stats = stack.sandbox.admin.getStats(stormed);
    expect(stats.rejected429).toBe(STORM);
    expect(stack.sandbox.admin.getKnobs(stormed).forceStatus?.count ?? 0).toBe(0); // the storm was used up
    // The storm must not hold the calm location back: it finishes first.
    expect(calmRun.finishedAt!.getTime()).toBeLessThan(stormedRun.finishedAt!.getTime());

    for (const loc of [calm, stormed]) {
      const check = await checkLocation(stack.db, stack.sandbox, loc);
      result.rowsChecked += check.checked;
      result.lost += check.lost.length;
      result.duplicated += check.duplicated;
      expectExact(check, { tombstoned: 0 });
    }
  });
});

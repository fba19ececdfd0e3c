import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLocation } from './support/check-location.js';
import { expectExact } from './support/expect-exact.js';
import { startFaultStack, type FaultStack } from './support/fault-stack.js';
import { recordResult, scaled } from './support/results.js';

// Scenario 1: 10 % of search answers are 500/502/503 and 1 % hang past the client timeout.
// The default size makes ~140 requests, so it hangs 5 % of them (not 1 %) to be sure some hang.
const RECORDS = scaled(3_000, 20_000);
const HANG_RATE = scaled(0.05, 0.01);

describe('fault 1: 5xx answers and hung requests', () => {
  let stack: FaultStack;
  let loc: string;
  const started = Date.now();
  let rowsChecked = 0;
  let lost = 0;
  let duplicated = 0;
  beforeAll(async () => {
    stack = await startFaultStack({
      sandbox: { seed: 101, locations: [{ opportunities: RECORDS }] },
      env: { GHL_TIMEOUT_MS: '1500' },
    });
    loc = stack.sandbox.locations[0]!.id;
    stack.sandbox.admin.setKnobs(loc, { failureRate: 0.1, hangRate: HANG_RATE, hangMs: 2_500 });
    stack.spawnWorkers(2);
  });
  afterAll(async () => {
    recordResult({
      scenario: '1 5xx + hangs',
      runs: 2,
      rowsChecked,
      lost,
      duplicated,
      durationMs: Date.now() - started,
    });
    stack?.dumpLogs('01-server-errors-and-hangs');
    await stack?.stop();
  });

  it('completes the first run with exact data despite the faults', async () => {
    const run = await stack.sync(loc, { timeoutMs: scaled(240_000, 900_000) });
    expect(run).toMatchObject({
      status: 'completed',
      listed: RECORDS,
      inserted: RECORDS,
      updated: 0,
      unchanged: 0,
      failedPages: 0,
      sweepStatus: 'done',
    });
    const check = await checkLocation(stack.db, stack.sandbox, loc);
    rowsChecked += check.checked;
    lost += check.lost.length;
    duplicated += check.duplicated;
    expectExact(check, { checked: RECORDS, tombstoned: 0 });
    const stats = stack.sandbox.admin.getStats(loc);
    const errors = (stats.byStatus['500'] ?? 0) + (stats.byStatus['502'] ?? 0) + (stats.byStatus['503'] ?? 0);
    expect(errors).toBeGreaterThan(0);
  });

  it('applies creates, updates and deletes exactly on the next run under the same faults', async () => {
    const changed = stack.sandbox.admin.mutate(loc, { create: 25, update: 60, delete: 15, seed: 5 });
    const run = await stack.sync(loc, { timeoutMs: scaled(240_000, 900_000) });
    expect(run).toMatchObject({
      status: 'completed',
      inserted: 25,
      updated: 60,
      deleted: 15,
      unchanged: RECORDS - 75,
      failedPages: 0,
    });
    const check = await checkLocation(stack.db, stack.sandbox, loc);
    rowsChecked += check.checked;
    lost += check.lost.length;
    duplicated += check.duplicated;
    expectExact(check, { checked: RECORDS + 10, tombstoned: changed.deleted.length });
    // The faults really happened: server errors and requests that hung past GHL_TIMEOUT_MS.
    expect(stack.sandbox.admin.getStats(loc).byStatus['hang'] ?? 0).toBeGreaterThan(0);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultStack, type FaultStack } from './support/fault-stack.js';
import { finishOrHeal, waitUntilMidRun } from './support/restart-scenario.js';
import { recordResult, scaled } from './support/results.js';

// Scenario 4: the (throwaway) Postgres cluster is restarted (`pg_ctl restart -m fast`) in the middle
// of a run: every connection of every worker is cut.
const RECORDS = scaled(3_000, 20_000);

describe('fault 4: Postgres restart in the middle of a run', () => {
  let stack: FaultStack;
  let loc: string;
  const started = Date.now();
  const result = { runs: 0, rowsChecked: 0, lost: 0, duplicated: 0, notes: '' };
  beforeAll(async () => {
    stack = await startFaultStack({
      sandbox: { seed: 404, locations: [{ opportunities: RECORDS }] },
      env: { WORKER_CONCURRENCY: '2' },
    });
    loc = stack.sandbox.locations[0]!.id;
    stack.sandbox.admin.setKnobs(loc, { latencyMs: { medianMs: 100, jitterMs: 50 } });
    stack.spawnWorkers(2);
  });
  afterAll(async () => {
    recordResult({ scenario: '4 Postgres restart', ...result, durationMs: Date.now() - started });
    stack?.dumpLogs('04-postgres-restart');
    await stack?.stop();
  });

  it('during pass 1: completes, or fails cleanly and the next run heals it', async () => {
    const run = await stack.startRun(loc);
    await waitUntilMidRun(stack, run.id, 5);
    await stack.postgres.restart();
    const outcome = await finishOrHeal(stack, loc, run.id, RECORDS, scaled(240_000, 900_000));
    Object.assign(result, {
      runs: outcome.runs,
      rowsChecked: outcome.check.checked,
      lost: outcome.check.lost.length,
      duplicated: outcome.check.duplicated,
      notes: `pass 1: ${outcome.faulted.status}${outcome.faulted.errorCode ? ` (${outcome.faulted.errorCode})` : ''}`,
    });
    expect(stack.children.every((c) => c.exitCode === null && c.signalCode === null)).toBe(true);
  });

  it('while pages are being written: the same', async () => {
    stack.sandbox.admin.mutate(loc, { update: 200, seed: 44 });
    const run = await stack.startRun(loc);
    // Wait for the writing phase, then restart.
    const deadline = Date.now() + 120_000;
    while (
      Date.now() < deadline &&
      (await stack.db.query<{ status: string }>('SELECT status FROM ghl.sync_runs WHERE id = $1', [run.id])).rows[0]
        ?.status !== 'writing'
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await stack.postgres.restart();
    const outcome = await finishOrHeal(stack, loc, run.id, RECORDS, scaled(240_000, 900_000));
    result.runs += outcome.runs;
    result.rowsChecked += outcome.check.checked;
    result.lost += outcome.check.lost.length;
    result.duplicated += outcome.check.duplicated;
    result.notes += `; writing: ${outcome.faulted.status}${outcome.faulted.errorCode ? ` (${outcome.faulted.errorCode})` : ''}`;
    expect(stack.children.every((c) => c.exitCode === null && c.signalCode === null)).toBe(true);
  });
});

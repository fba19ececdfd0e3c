import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultStack, type FaultStack } from './support/fault-stack.js';
import { finishOrHeal, waitUntilMidRun } from './support/restart-scenario.js';
import { recordResult, scaled } from './support/results.js';

// Scenario 3: the (throwaway) Redis is shut down without saving in the middle of a run and started
// again empty. Workers must reconnect by themselves. Every job of the run is lost with Redis's
// data; the workers put their schedulers back when Redis returns, and the recover-runs job resumes
// the run from what Postgres says (a new coordinator job, or a new flow for the pages not written).
// This scenario found that the schedulers were registered only at start-up, so such a run stayed
// active forever; the recovery interval is shortened here so the test does not wait a minute.
const RECORDS = scaled(3_000, 20_000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('fault 3: Redis restart in the middle of a run', () => {
  let stack: FaultStack;
  let loc: string;
  let runId = 0;
  const started = Date.now();
  const result = { runs: 1, rowsChecked: 0, lost: 0, duplicated: 0, notes: '' };
  beforeAll(async () => {
    stack = await startFaultStack({
      sandbox: { seed: 303, locations: [{ opportunities: RECORDS }] },
      env: { WORKER_CONCURRENCY: '2', RUN_RECOVERY_INTERVAL_MS: '2000' },
    });
    loc = stack.sandbox.locations[0]!.id;
    stack.sandbox.admin.setKnobs(loc, { latencyMs: { medianMs: 100, jitterMs: 50 } });
    stack.spawnWorkers(2);
    const run = await stack.startRun(loc);
    runId = run.id;
    await waitUntilMidRun(stack, run.id, 5);
    await stack.redis.shutdown();
    await sleep(2_000);
    await stack.redis.start();
  });
  afterAll(async () => {
    recordResult({ scenario: '3 Redis restart', ...result, durationMs: Date.now() - started });
    stack?.dumpLogs('03-redis-restart');
    await stack?.stop();
  });

  it('workers reconnect and put the recover-runs scheduler back into the empty Redis', async () => {
    let ids: string[] = [];
    for (let i = 0; i < 40 && !ids.includes('recover-runs'); i++) {
      await sleep(500);
      ids = (await stack.queues.maintenance.getJobSchedulers().catch(() => [])).map((s) => s.key);
    }
    expect(ids).toContain('recover-runs');
  });

  it('the run completes, or fails cleanly and the next run heals it; nothing written twice', async () => {
    const outcome = await finishOrHeal(stack, loc, runId, RECORDS, scaled(200_000, 900_000));
    Object.assign(result, {
      runs: outcome.runs,
      rowsChecked: outcome.check.checked,
      lost: outcome.check.lost.length,
      duplicated: outcome.check.duplicated,
      notes: `faulted run ${outcome.faulted.status}${outcome.faulted.errorCode ? ` (${outcome.faulted.errorCode})` : ''}`,
    });
    // The workers reconnected by themselves: the processes are still the ones started first.
    expect(stack.children.every((c) => c.exitCode === null && c.signalCode === null)).toBe(true);
  });
});

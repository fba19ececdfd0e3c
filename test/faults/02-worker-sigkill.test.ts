import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRun, ACTIVE_RUN_STATUSES } from '@ghl-sync/db';
import { checkLocation } from './support/check-location.js';
import { expectExact } from './support/expect-exact.js';
import { startFaultStack, type FaultStack } from './support/fault-stack.js';
import { recordResult, scaled } from './support/results.js';

// Scenario 2: worker processes are SIGKILLed at random moments, 10 times over one run, on a fleet
// of 3 (a fresh process replaces each one killed).
const RECORDS = scaled(3_000, 20_000);
const KILLS = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('fault 2: SIGKILL of worker processes during a run', () => {
  let stack: FaultStack;
  let loc: string;
  const started = Date.now();
  let rowsChecked = 0;
  let lost = 0;
  let duplicated = 0;
  let runs = 0;
  let fleet: ChildProcess[] = [];
  beforeAll(async () => {
    stack = await startFaultStack({
      sandbox: { seed: 202, locations: [{ opportunities: RECORDS }] },
      env: { WORKER_CONCURRENCY: '2' },
    });
    loc = stack.sandbox.locations[0]!.id;
    // Some latency so that the run lasts long enough to be hit 10 times.
    stack.sandbox.admin.setKnobs(loc, { latencyMs: { medianMs: 120, jitterMs: 80 } });
    fleet = stack.spawnWorkers(3);
  });
  afterAll(async () => {
    recordResult({ scenario: '2 SIGKILL x10', runs, rowsChecked, lost, duplicated, durationMs: Date.now() - started });
    stack?.dumpLogs('02-worker-sigkill');
    await stack?.stop();
  });

  it('completes the run with exact data and counters not doubled', async () => {
    const run = await stack.startRun(loc);
    runs += 1;
    const killedAt: string[] = [];
    for (let k = 0; k < KILLS; k++) {
      await sleep(400 + Math.random() * 1_600);
      const current = await getRun(stack.db, run.id);
      // Keep the fleet at 3: a process that exited on its own (it should not) is replaced and reported.
      fleet = fleet.filter((c) => c.exitCode === null && c.signalCode === null);
      if (fleet.length < 3) console.warn(`[faults] ${3 - fleet.length} worker(s) exited on their own; replacing them`);
      fleet.push(...stack.spawnWorkers(3 - fleet.length));
      const alive = fleet;
      const victim = alive[Math.floor(Math.random() * alive.length)]!;
      await new Promise((r) => {
        victim.once('exit', r);
        victim.kill('SIGKILL');
      });
      killedAt.push(current?.status ?? '?');
      fleet = [...fleet.filter((c) => c !== victim), ...stack.spawnWorkers(1)];
    }
    console.log(`[faults] run ${run.id}: killed ${KILLS} workers while the run was ${killedAt.join(', ')}`);
    const done = await stack.wait(run.id, scaled(300_000, 900_000));
    expect(ACTIVE_RUN_STATUSES).not.toContain(done.status);
    expect(done).toMatchObject({
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
  });

  it('the next run (no kills) sees every row unchanged: nothing was written twice or half', async () => {
    const run = await stack.sync(loc, { timeoutMs: 300_000 });
    runs += 1;
    expect(run).toMatchObject({
      status: 'completed',
      listed: RECORDS,
      inserted: 0,
      updated: 0,
      unchanged: RECORDS,
      deleted: 0,
    });
    const check = await checkLocation(stack.db, stack.sandbox, loc);
    rowsChecked += check.checked;
    lost += check.lost.length;
    duplicated += check.duplicated;
    expectExact(check, { checked: RECORDS, tombstoned: 0 });
  });
});

import { expect } from 'vitest';
import { getRun, type SyncRun } from '@ghl-sync/db';
import { checkLocation, type LocationCheck } from './check-location.js';
import { expectExact } from './expect-exact.js';
import type { FaultStack } from './fault-stack.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (bounded) until the run has listed at least `pages` pages or moved past listing. */
export async function waitUntilMidRun(
  stack: FaultStack,
  runId: number,
  pages: number,
  timeoutMs = 60_000,
): Promise<SyncRun> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const run = await getRun(stack.db, runId);
    if (run && ((run.status === 'listing' && run.pages >= pages) || run.status === 'writing')) return run;
    if (run && !['queued', 'listing'].includes(run.status))
      throw new Error(`run ${runId} went ${run.status} before the fault`);
    await sleep(100);
  }
  throw new Error(`run ${runId} did not reach page ${pages} within ${timeoutMs} ms`);
}

/** Outcome of a restart scenario: the faulted run, and the healing run when one was needed. */
export interface RestartOutcome {
  faulted: SyncRun;
  healed: SyncRun | null;
  check: LocationCheck;
  runs: number;
}

/**
 * "The run completes, or fails cleanly and the next run heals it": waits for the faulted run to end
 * (it must end: a run left active forever blocks every later run of the location), and if it did not
 * complete, runs once more and requires that one to complete. Then the mirror must be exact.
 */
export async function finishOrHeal(
  stack: FaultStack,
  locationId: string,
  runId: number,
  records: number,
  timeoutMs: number,
): Promise<RestartOutcome> {
  const faulted = await stack.wait(runId, timeoutMs);
  let healed: SyncRun | null = null;
  if (faulted.status !== 'completed') {
    expect(['failed', 'completed_without_sweep']).toContain(faulted.status);
    expect(faulted.errorCode).toBeTruthy();
    healed = await stack.sync(locationId, { timeoutMs });
    expect(healed.status).toBe('completed');
  }
  const check = await checkLocation(stack.db, stack.sandbox, locationId);
  expectExact(check, { checked: records, tombstoned: 0 });
  return { faulted, healed, check, runs: healed ? 2 : 1 };
}

import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getActiveRun, listRuns, upsertLocation } from '@ghl-sync/db';
import { CLI_BIN, startTestStack, type TestStack } from '../support/test-stack.js';
import { fireSchedule } from '../support/schedule-fire.js';
import { until } from '../support/upstream.js';

// A scheduled fire opens its run inside its coordinator, so its job carries no run id; when that
// coordinator fails for good the run must still end, or it holds the location's one active slot (#17).
describe('when the coordinator of a scheduled run fails for good', () => {
  let stack: TestStack;
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [CLI_BIN, ...args], { env: { ...process.env, ...stack.env }, encoding: 'utf8' });

  beforeAll(async () => {
    stack = await startTestStack({ sandbox: { seed: 71, locations: [{ opportunities: 30 }] } });
    await stack.startWorkers(1);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('ends the run failed with the error code and its GHL requests counted, and `sync` is not blocked', async () => {
    const location = stack.sandbox.locations[0]!;
    await upsertLocation(
      stack.database.db,
      { id: location.id, accessToken: 'pit-00000000-typo', scheduleCron: null },
      stack.database.tokens,
    );
    const fire = await fireSchedule(stack, location.id);
    await until(async () => (await fire.getState()) === 'failed', 120_000, 'the scheduled fire to fail for good');

    const [run] = await listRuns(stack.database.db, { locationId: location.id });
    expect(run).toMatchObject({
      trigger: 'schedule',
      status: 'failed',
      errorCode: 'ghl_unauthorized',
      coordinatorJobId: fire.id,
    });
    expect(run!.finishedAt).toBeInstanceOf(Date);
    // The pipelines call and the listing's first page were sent together (both answered 401): the
    // run says so.
    expect(run!.apiCalls).toBe(2);
    expect(cli('runs', 'show', String(run!.id)).stdout).toContain('GHL requests 2 ·');
    expect(await getActiveRun(stack.database.db, location.id)).toBeNull();

    await upsertLocation(
      stack.database.db,
      { id: location.id, accessToken: location.token, scheduleCron: null },
      stack.database.tokens,
    );
    const sync = cli('sync', location.id);
    expect(sync.stderr).not.toContain('run_already_active');
    expect(sync.status).toBe(0);
    const [next] = await listRuns(stack.database.db, { locationId: location.id });
    expect(next!.id).toBeGreaterThan(run!.id);
    expect(await stack.wait(next!.id)).toMatchObject({ status: 'completed', inserted: 30 });
  }, 240_000);
});

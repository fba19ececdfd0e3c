import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRun, transitionRun, setCoordinatorJob } from '@ghl-sync/db';
import { recoverRuns } from '@ghl-sync/sync';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { until, upstreamRecords } from '../support/upstream.js';

// #5 "Run deadline": no run stays active forever.
describe('run deadline and recovery', () => {
  let stack: TestStack;
  const loc = (i: number) => stack.sandbox.locations[i]!.id;
  const deps = () => ({ db: stack.database.db, queues: stack.queues, logger: stack.logger });
  beforeAll(async () => {
    stack = await startTestStack({
      sandbox: { seed: 61, locations: [{ opportunities: 250 }, { opportunities: 250 }, { opportunities: 40 }] },
    });
    await stack.startWorkers(1);
    for (let i = 0; i < 3; i++) await stack.sync(loc(i));
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('cancels a run past its deadline while writing: pages not yet written are skipped, the run ends timed_out', async () => {
    await stack.queues.page.pause();
    const run = await stack.startRun(loc(0), { deadlineAt: new Date(Date.now() + 1_500) });
    await until(async () => (await getRun(stack.database.db, run.id))?.status === 'writing', 20_000, 'pass 1');
    await new Promise((r) => setTimeout(r, 1_600));
    expect((await recoverRuns(deps())).timedOut).toEqual([run.id]);
    await stack.queues.page.resume();
    const done = await stack.wait(run.id);
    expect(done).toMatchObject({ status: 'timed_out', errorCode: 'run_timed_out', inserted: 0, updated: 0 });
  });

  it('a sweep that had not started does not start after the deadline', async () => {
    const doomed = (await upstreamRecords(stack.sandbox, loc(1)))[0]!.id;
    stack.sandbox.admin.deleteOpportunity(loc(1), doomed);
    await stack.queues.coordinator.pause();
    const run = await stack.startRun(loc(1), { deadlineAt: new Date(Date.now() - 1_000) });
    expect((await recoverRuns(deps())).timedOut).toEqual([run.id]);
    await stack.queues.coordinator.resume();
    const done = await stack.wait(run.id);
    expect(done).toMatchObject({ status: 'timed_out', deleted: 0, sweepStatus: 'pending' });
    const { rows } = await stack.database.db.query<{ deleted_at: Date | null }>(
      `SELECT deleted_at FROM ghl.opportunities WHERE id = $1`,
      [doomed],
    );
    expect(rows[0]!.deleted_at).toBeNull();
  });

  it('resumes a run whose coordinator vanished mid-listing, from where Postgres says it was', async () => {
    await stack.queues.coordinator.pause();
    const run = await stack.startRun(loc(2));
    // What a wiped Redis leaves behind: a listing run whose coordinator job no longer exists.
    await transitionRun(stack.database.db, run.id, 'listing');
    await stack.queues.coordinator.obliterate({ force: true });
    await stack.database.db.query(`UPDATE ghl.sync_runs SET started_at = now() - interval '3 minutes' WHERE id = $1`, [
      run.id,
    ]);
    expect((await recoverRuns(deps())).resumed).toEqual([run.id]);
    await stack.queues.coordinator.resume();
    expect(await stack.wait(run.id)).toMatchObject({ status: 'completed', unchanged: 40, recoveries: 1 });
  });

  it('fails a run as coordinator_lost once its jobs have vanished too often, instead of leaving it running forever', async () => {
    await stack.queues.coordinator.pause();
    const run = await stack.startRun(loc(2));
    await transitionRun(stack.database.db, run.id, 'listing');
    await setCoordinatorJob(stack.database.db, run.id, 'run-gone-coordinator');
    await stack.database.db.query(
      `UPDATE ghl.sync_runs SET started_at = now() - interval '3 minutes', recoveries = 3 WHERE id = $1`,
      [run.id],
    );
    expect((await recoverRuns(deps())).failed).toEqual([run.id]);
    expect(await getRun(stack.database.db, run.id)).toMatchObject({ status: 'failed', errorCode: 'coordinator_lost' });
    await stack.queues.coordinator.obliterate({ force: true });
    await stack.queues.coordinator.resume();
    // The next run heals whatever the dead one left.
    expect(await stack.sync(loc(2))).toMatchObject({ status: 'completed', unchanged: 40 });
  });
});

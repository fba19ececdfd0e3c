import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRun, pageProgress, transitionRun, setCoordinatorJob } from '@ghl-sync/db';
import { QUEUES, runKey } from '@ghl-sync/queues';
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
  it('closes a writing run whose flow parent never runs once its pages ended, exactly once even if the parent runs later', async () => {
    // The symptom fault 9 found on a Redis Cluster: every page written, the finalize job (the flow
    // parent) still waiting for a child that will not end. Here that child is real: a maintenance
    // job made a child of the parent, delayed an hour, added while the pages are held back.
    await stack.queues.coordinator.pause();
    await stack.queues.page.pause();
    const opened = await stack.startRun(loc(0));
    // Older than recovery's grace before its coordinator runs (job ids derive from the start time).
    await stack.database.db.query(`UPDATE ghl.sync_runs SET started_at = now() - interval '3 minutes' WHERE id = $1`, [
      opened.id,
    ]);
    const run = (await getRun(stack.database.db, opened.id))!;
    const key = runKey(run);
    await stack.queues.coordinator.resume();
    await until(
      async () => (await stack.queues.page.getJob(QUEUES.page.jobId(key, 1))) !== undefined,
      20_000,
      'page flow enqueued',
    );
    const finalizeId = QUEUES.finalize.jobId(key);
    const held = await stack.queues.maintenance.add(
      QUEUES.maintenance.jobNames.flowGate,
      { task: 'flow_gate', runId: run.id },
      {
        jobId: `${key}-held`,
        delay: 3_600_000,
        parent: { id: finalizeId, queue: `${stack.queues.prefix}:${QUEUES.finalize.name}` },
      },
    );
    await stack.queues.page.resume();
    await until(
      async () => {
        const p = await pageProgress(stack.database.db, run.id);
        return p.total > 0 && p.done === p.total;
      },
      30_000,
      'every page written',
    );
    const finalize = (await stack.queues.finalize.getJob(finalizeId))!;
    expect(await finalize.getState()).toBe('waiting-children');
    let closed = 0;
    const recoveryDeps = () => ({ ...deps(), onRunFinished: () => void (closed += 1) });
    // Pages that ended moments ago: the parent may simply be about to run, so it is left alone.
    expect((await recoverRuns(recoveryDeps())).finished).toEqual([]);
    expect((await getRun(stack.database.db, run.id))!.status).toBe('writing');
    await stack.database.db.query(
      `UPDATE ghl.sync_run_pages SET finished_at = now() - interval '3 minutes' WHERE run_id = $1`,
      [run.id],
    );
    expect((await recoverRuns(recoveryDeps())).finished).toEqual([run.id]);
    const ended = (await getRun(stack.database.db, run.id))!;
    expect(ended).toMatchObject({ status: 'completed', unchanged: 250, inserted: 0, updated: 0, failedPages: 0 });
    expect(closed).toBe(1);
    // The parent runs after all (its child ends): it finds the run closed and changes nothing.
    await held.promote();
    await until(async () => (await finalize.getState()) === 'completed', 20_000, 'late finalize ran');
    expect((await stack.queues.finalize.getJob(finalizeId))!.returnvalue).toEqual({ runId: run.id, status: null });
    expect(await getRun(stack.database.db, run.id)).toEqual(ended);
    expect((await recoverRuns(recoveryDeps())).finished).toEqual([]);
    expect(closed).toBe(1);
  });
});

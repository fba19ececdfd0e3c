import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRun, listPages } from '@ghl-sync/db';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { until } from '../support/upstream.js';

const exitOf = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
const running = async (stack: TestStack, runId: number) =>
  (await listPages(stack.database.db, runId)).filter((p) => p.status === 'running').length;

// #5 "Graceful shutdown" and a worker killed with SIGKILL mid-page.
// Spawns worker processes from dist/: slow to start on a loaded machine, so the budget is generous.
describe('worker shutdown', { timeout: 240_000 }, () => {
  let stack: TestStack;
  const loc = (i: number) => stack.sandbox.locations[i]!.id;
  beforeAll(async () => {
    stack = await startTestStack({
      sandbox: { seed: 71, locations: [{ opportunities: 1_000 }, { opportunities: 1_000 }] },
      env: { WORKER_CONCURRENCY: '5', JOB_LOCK_MS: '3000', SHUTDOWN_GRACE_MS: '20000' },
    });
    for (let i = 0; i < 2; i++) stack.sandbox.admin.setKnobs(loc(i), { latencyMs: { medianMs: 1_500, jitterMs: 100 } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('SIGTERM with 5 active page jobs: they finish, connections close, exit 0; another worker completes the run exactly', async () => {
    const [worker] = stack.spawnWorkers(1);
    const exited = exitOf(worker!);
    const run = await stack.startRun(loc(0));
    await until(async () => (await running(stack, run.id)) === 5, 60_000, '5 active page jobs');
    const busy = (await listPages(stack.database.db, run.id))
      .filter((p) => p.status === 'running')
      .map((p) => p.pageNo);
    worker!.kill('SIGTERM');
    expect(await exited).toEqual({ code: 0, signal: null });
    const pages = await listPages(stack.database.db, run.id);
    expect(pages.filter((p) => busy.includes(p.pageNo)).map((p) => p.status)).toEqual(Array(5).fill('done'));
    expect(stack.logs.join('')).toMatch(/"step":"postgres".*"msg":"closed postgres"/);

    stack.spawnWorkers(1);
    const done = await stack.wait(run.id, 120_000);
    expect(done).toMatchObject({ status: 'completed', inserted: 1_000, listed: 1_000, failedPages: 0 });
    expect(await stack.compare(loc(0))).toEqual({ checked: 1_000, tombstoned: 0, mismatches: [] });
  });

  it('a worker killed with SIGKILL mid-page: the run still completes correctly on the remaining worker', async () => {
    const [victim, survivor] = stack.spawnWorkers(2);
    const run = await stack.startRun(loc(1));
    await until(async () => (await running(stack, run.id)) >= 6, 60_000, 'pages in flight on both workers');
    victim!.kill('SIGKILL');
    const done = await stack.wait(run.id, 120_000);
    expect(done).toMatchObject({ status: 'completed', inserted: 1_000, listed: 1_000, failedPages: 0 });
    expect(await stack.compare(loc(1))).toEqual({ checked: 1_000, tombstoned: 0, mismatches: [] });
    const { rows } = await stack.database.db.query<{ n: number }>(
      `SELECT count(*) AS n FROM ghl.opportunities WHERE location_id = $1`,
      [loc(1)],
    );
    expect(rows[0]!.n).toBe(1_000);
    expect((await getRun(stack.database.db, run.id))!.inserted).toBe(1_000);
    expect(survivor!.exitCode).toBeNull();
  });
});

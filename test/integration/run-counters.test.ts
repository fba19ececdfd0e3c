import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRun, requestCancel } from '@ghl-sync/db';
import { CLI_BIN, startTestStack, type TestStack } from '../support/test-stack.js';
import { until } from '../support/upstream.js';

// What `runs show` prints must tell one story: a cancelled run's unwritten pages are not failures,
// and a sweep that will never happen is not "pending" (#17).
describe('the counters of a cancelled run', () => {
  let stack: TestStack;
  const loc = () => stack.sandbox.locations[0]!.id;
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [CLI_BIN, ...args], { env: { ...process.env, ...stack.env }, encoding: 'utf8' });

  beforeAll(async () => {
    stack = await startTestStack({ sandbox: { seed: 81, locations: [{ opportunities: 350 }] } });
    await stack.startWorkers(1);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('counts the pages it never wrote as not written, not failed', async () => {
    await stack.queues.page.pause();
    const run = await stack.startRun(loc());
    await until(async () => (await getRun(stack.database.db, run.id))?.status === 'writing', 120_000, 'pass 1');
    expect(await requestCancel(stack.database.db, run.id)).not.toBeNull();
    await stack.queues.page.resume();
    const done = await stack.wait(run.id);
    expect(done).toMatchObject({ status: 'cancelled', pages: 4, inserted: 0, failedPages: 0 });

    const show = cli('runs', 'show', String(run.id));
    expect(show.status).toBe(0);
    expect(show.stdout).toContain('failed pages 0 ·');
    expect(show.stdout).toContain('pages: 0 done, 0 failed, 4 not written (4 listed)');
  }, 180_000);

  it('reads "sweep not run" once a run ended before its sweep', async () => {
    await stack.queues.coordinator.pause();
    const run = await stack.startRun(loc());
    expect(await requestCancel(stack.database.db, run.id)).not.toBeNull();
    await stack.queues.coordinator.resume();
    expect(await stack.wait(run.id)).toMatchObject({ status: 'cancelled', sweepStatus: 'pending', failedPages: 0 });

    const show = cli('runs', 'show', String(run.id));
    expect(show.stdout).toContain('sweep not run');
    expect(show.stdout).not.toContain('sweep pending');
  }, 180_000);
});

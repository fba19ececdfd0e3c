import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@ghl-sync/config';
import { getRun, listPages } from '@ghl-sync/db';
import { silentLogger } from '@ghl-sync/logger';
import { QUEUES, runKey } from '@ghl-sync/queues';
import { processPage } from '@ghl-sync/sync';
import { createSyncRuntime, type SyncRuntime } from '@ghl-sync/worker';
import { CLI_BIN, startTestStack, type TestStack } from '../support/test-stack.js';
import { until } from '../support/upstream.js';

// #3 "Idempotent and one run at a time".
describe('idempotent page writes and one run per location', () => {
  let stack: TestStack;
  let runtime: SyncRuntime;
  let loc: string;
  beforeAll(async () => {
    stack = await startTestStack({ sandbox: { seed: 41, locations: [{ opportunities: 350 }] } });
    loc = stack.sandbox.locations[0]!.id;
    runtime = createSyncRuntime(loadConfig(stack.env), silentLogger());
    await stack.startWorkers(1);
  });
  afterAll(async () => {
    await runtime?.registry.closeAll();
    await stack?.stop();
  });

  it('a page job that runs again after its write committed leaves the same rows and counters', async () => {
    await stack.queues.page.pause();
    const run = await stack.startRun(loc);
    await until(async () => (await getRun(stack.database.db, run.id))?.status === 'writing', 30_000, 'pass 1');
    const ctx = { attemptsMade: 0, attempts: 5, updateProgress: async () => undefined };

    // The same page job twice, as after a retry or a stalled job picked up by a second worker.
    const [a, b] = await Promise.all([
      processPage(runtime.deps, { runId: run.id, locationId: loc, pageNo: 2, rateLimitWaitedMs: 0 }, ctx),
      processPage(runtime.deps, { runId: run.id, locationId: loc, pageNo: 2, rateLimitWaitedMs: 0 }, ctx),
    ]);
    expect([a.skipped, b.skipped].filter(Boolean)).toEqual(['already written']);
    expect(a.inserted).toBe(100);
    expect(b.inserted).toBe(100);

    await stack.queues.page.resume(); // the queued job for page 2 runs a third time
    const done = await stack.wait(run.id);
    expect(done).toMatchObject({ status: 'completed', listed: 350, inserted: 350, updated: 0, unchanged: 0, pages: 4 });
    const pages = await listPages(stack.database.db, run.id);
    expect(pages.map((p) => p.inserted)).toEqual([100, 100, 100, 50]);
    const { rows } = await stack.database.db.query<{ n: number; distinct_ids: number }>(
      `SELECT count(*) AS n, count(DISTINCT id) AS distinct_ids FROM ghl.opportunities`,
    );
    expect(rows[0]).toEqual({ n: 350, distinct_ids: 350 });
  });

  it('a second sync request while one is active is told the active run id (CLI exit code 3)', async () => {
    await stack.queues.coordinator.pause();
    const active = await stack.startRun(loc);
    const cli = spawnSync(process.execPath, [CLI_BIN, 'sync', loc], {
      env: { ...process.env, ...stack.env },
      encoding: 'utf8',
    });
    expect(cli.status).toBe(3);
    expect(cli.stderr).toContain('run_already_active');
    expect(cli.stderr).toContain(`the active run is ${active.id}`);
    await stack.queues.coordinator.resume();
    expect(await stack.wait(active.id)).toMatchObject({ status: 'completed', unchanged: 350 });
  });

  it("scopes job ids by run, so a new run does not collide with a finished run's jobs kept in Redis", async () => {
    const first = await stack.sync(loc);
    expect(await stack.queues.page.getJob(QUEUES.page.jobId(runKey(first), 1))).toBeDefined();
    const second = await stack.sync(loc);
    expect(second.id).toBeGreaterThan(first.id);
    expect(second).toMatchObject({ status: 'completed', unchanged: 350, pages: 4 });
    expect(QUEUES.page.jobId(runKey(second), 1)).not.toBe(QUEUES.page.jobId(runKey(first), 1));
  });
});

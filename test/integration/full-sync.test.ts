import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listPages } from '@ghl-sync/db';
import { startTestStack, type TestStack } from '../support/test-stack.js';

// #2: one whole sync with two worker processes against real Redis and Postgres.
describe('a full sync with two worker processes', () => {
  let stack: TestStack;
  let main: string;
  beforeAll(async () => {
    stack = await startTestStack({
      sandbox: { seed: 7, locations: [{ opportunities: 1_234 }, { opportunities: 50 }] },
    });
    main = stack.sandbox.locations[0]!.id;
    stack.spawnWorkers(2);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('inserts every opportunity, contact and pipeline on the first run', async () => {
    const run = await stack.sync(main);
    expect(run).toMatchObject({
      status: 'completed',
      listed: 1_234,
      pages: 13,
      inserted: 1_234,
      updated: 0,
      unchanged: 0,
      deleted: 0,
      failedPages: 0,
      sweepStatus: 'done',
      // 1 pipelines call + 13 listing calls + 13 page fetches
      apiCalls: 27,
    });
    const compared = await stack.compare(main);
    expect(compared).toEqual({ checked: 1_234, tombstoned: 0, mismatches: [] });

    const {
      rows: [counts],
    } = await stack.database.db.query<{ opps: number; contacts: number; pipelines: number; stages: number }>(
      `SELECT (SELECT count(*) FROM ghl.opportunities WHERE location_id = $1) AS opps,
              (SELECT count(*) FROM ghl.contacts WHERE location_id = $1) AS contacts,
              (SELECT count(*) FROM ghl.pipelines WHERE location_id = $1) AS pipelines,
              (SELECT count(*) FROM ghl.pipeline_stages WHERE location_id = $1) AS stages`,
      [main],
    );
    const res = await fetch(`${stack.sandbox.url}/opportunities/pipelines?locationId=${main}`, {
      headers: { Authorization: `Bearer ${stack.sandbox.locations[0]!.token}`, Version: '2021-07-28' },
    });
    const upstream = (await res.json()) as { pipelines: Array<{ stages: unknown[] }> };
    expect(counts!.opps).toBe(1_234);
    expect(counts!.contacts).toBeGreaterThan(0);
    expect(counts!.pipelines).toBe(upstream.pipelines.length);
    expect(counts!.stages).toBe(upstream.pipelines.reduce((n, p) => n + p.stages.length, 0));

    const pages = await listPages(stack.database.db, run.id);
    expect(pages.map((p) => p.status)).toEqual(Array(13).fill('done'));
    expect(pages.reduce((n, p) => n + p.inserted, 0)).toBe(1_234);
  });

  it('applies upstream changes exactly on the next run and both processes did work', async () => {
    const changed = stack.sandbox.admin.mutate(main, { create: 10, update: 20, delete: 5, seed: 99 });
    expect([changed.created.length, changed.updated.length, changed.deleted.length]).toEqual([10, 20, 5]);
    const run = await stack.sync(main);
    expect(run).toMatchObject({
      status: 'completed',
      inserted: 10,
      updated: 20,
      deleted: 5,
      unchanged: 1_234 - 20 - 5,
      listed: 1_239,
    });
    expect(await stack.compare(main)).toEqual({ checked: 1_239, tombstoned: 5, mismatches: [] });

    const { rows } = await stack.database.db.query<{ id: string }>(
      `SELECT id FROM ghl.opportunities WHERE deleted_at IS NOT NULL ORDER BY id`,
    );
    expect(rows.map((r) => r.id)).toEqual([...changed.deleted].sort());

    const pids = new Set(
      stack.logs
        .join('')
        .split('\n')
        .filter((l) => l.includes('[Page '))
        .map((l) => (JSON.parse(l) as { pid: number }).pid),
    );
    expect(pids.size).toBe(2);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLocation } from './support/check-location.js';
import { expectExact } from './support/expect-exact.js';
import { startFaultStack, type FaultStack } from './support/fault-stack.js';
import { recordResult, scaled } from './support/results.js';

// Scenario 6: the sandbox's search index lags: writes become visible to search only LAG_MS later.
const RECORDS = scaled(1_000, 20_000);
const LAG_MS = scaled(12_000, 60_000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('fault 6: search index lag', () => {
  let stack: FaultStack;
  let loc: string;
  const started = Date.now();
  const result = { runs: 0, rowsChecked: 0, lost: 0, duplicated: 0 };
  const rowCount = async () =>
    (await stack.db.query<{ n: number }>('SELECT count(*) AS n FROM ghl.opportunities WHERE location_id = $1', [loc]))
      .rows[0]!.n;
  const row = async (id: string) =>
    (
      await stack.db.query<{ name: string; deleted_at: Date | null }>(
        'SELECT name, deleted_at FROM ghl.opportunities WHERE id = $1',
        [id],
      )
    ).rows[0];
  const sync = async () => {
    const t0 = Date.now();
    const run = await stack.sync(loc, { timeoutMs: scaled(120_000, 900_000) });
    result.runs += 1;
    expect(run.status).toBe('completed');
    return { run, ms: Date.now() - t0 };
  };
  beforeAll(async () => {
    stack = await startFaultStack({ sandbox: { seed: 606, locations: [{ opportunities: RECORDS }] } });
    loc = stack.sandbox.locations[0]!.id;
    stack.spawnWorkers(2);
  });
  afterAll(async () => {
    recordResult({ scenario: '6 index lag', ...result, durationMs: Date.now() - started });
    stack?.dumpLogs('06-index-lag');
    await stack?.stop();
  });

  it('a record missed by one run is written by the next; a deleted one is tombstoned once search agrees', async () => {
    await sync();
    stack.sandbox.admin.setKnobs(loc, { indexLagMs: LAG_MS });
    const [victim, changed] = (await collect(stack.sandbox.admin.exportOpportunities(loc))).slice(10, 12) as [
      { id: string },
      { id: string },
    ];
    const changedAt = Date.now();
    const created = stack.sandbox.admin.createOpportunity(loc, { name: 'created while the index lags' }) as {
      id: string;
    };
    stack.sandbox.admin.deleteOpportunity(loc, victim.id);
    stack.sandbox.admin.updateOpportunity(loc, changed.id, { name: 'renamed while the index lags' });

    // Run 2, inside the lag: search does not show the changes yet, so neither does Postgres.
    const { run: run2 } = await sync();
    expect(run2.finishedAt!.getTime() - changedAt).toBeLessThan(LAG_MS);
    expect(run2).toMatchObject({ inserted: 0, updated: 0, deleted: 0, listed: RECORDS });
    expect(await row(created.id)).toBeUndefined();
    expect(await row(victim.id)).toMatchObject({ deleted_at: null });
    expect((await row(changed.id))?.name).not.toBe('renamed while the index lags');

    // Run 3, after the lag: everything lands.
    await sleep(Math.max(0, changedAt + LAG_MS + 500 - Date.now()));
    const { run: run3 } = await sync();
    expect(run3).toMatchObject({ inserted: 1, updated: 1, deleted: 1, listed: RECORDS });
    const check = await checkLocation(stack.db, stack.sandbox, loc);
    Object.assign(result, {
      rowsChecked: result.rowsChecked + check.checked,
      lost: result.lost + check.lost.length,
      duplicated: result.duplicated + check.duplicated,
    });
    expectExact(check, { checked: RECORDS, tombstoned: 1 });
  });

  it('a record briefly absent from a listing is confirmed alive by the sweep and never tombstoned', async () => {
    const [target] = (await collect(stack.sandbox.admin.exportOpportunities(loc))).slice(20, 21) as [
      Record<string, unknown> & { id: string },
    ];
    const before = await rowCount();
    // Deleted and re-created with the same id and data: search misses it for one window.
    stack.sandbox.admin.deleteOpportunity(loc, target.id);
    await sleep(LAG_MS + 500);
    const recreatedAt = Date.now();
    stack.sandbox.admin.createOpportunity(loc, target);
    const { run: absent } = await sync();
    expect(absent.finishedAt!.getTime() - recreatedAt).toBeLessThan(LAG_MS);
    // Search (and its meta.total) misses it, so the guards alone would tombstone it; GET finds it.
    expect(absent).toMatchObject({ deleted: 0, listed: RECORDS - 1, sweepCandidates: 1, sweepVerifiedAlive: 1 });
    expect((await row(target.id))?.deleted_at).toBeNull();
    expect(await rowCount()).toBe(before);

    await sleep(Math.max(0, recreatedAt + LAG_MS + 500 - Date.now()));
    const { run: back } = await sync();
    expect(back).toMatchObject({ deleted: 0, listed: RECORDS, sweepCandidates: 0 });
    expect(await row(target.id)).toMatchObject({ deleted_at: null });
    expect(await rowCount()).toBe(before);
    const check = await checkLocation(stack.db, stack.sandbox, loc);
    Object.assign(result, {
      rowsChecked: result.rowsChecked + check.checked,
      lost: result.lost + check.lost.length,
      duplicated: result.duplicated + check.duplicated,
    });
    expectExact(check, { checked: RECORDS, tombstoned: 1 });
  });
});

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

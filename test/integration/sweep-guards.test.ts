import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeTombstones } from '@ghl-sync/db';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { upstreamRecords } from '../support/upstream.js';

// #3 "A sweep that cannot delete live data". Each case starts from a location already in sync.
describe('the guarded sweep', () => {
  let stack: TestStack;
  const loc = (i: number) => stack.sandbox.locations[i]!.id;
  beforeAll(async () => {
    stack = await startTestStack({
      sandbox: { seed: 21, locations: [{ opportunities: 1_000 }, { opportunities: 1_000 }, { opportunities: 300 }] },
      // The guards alone: no candidate is confirmed with GET first (sweep-verification.test.ts).
      env: { GHL_MAX_ATTEMPTS: '2', SWEEP_VERIFY_MAX: '0' },
    });
    await stack.startWorkers(2);
    for (let i = 0; i < 3; i++)
      expect(await stack.sync(loc(i))).toMatchObject({ status: 'completed', inserted: i < 2 ? 1_000 : 300 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const liveCount = async (locationId: string) =>
    (
      await stack.database.db.query<{ n: number }>(
        `SELECT count(*) AS n FROM ghl.opportunities WHERE location_id = $1 AND deleted_at IS NULL`,
        [locationId],
      )
    ).rows[0]!.n;

  it('(a) skips the sweep when page 7 of 10 fails for good in pass 1, and still writes the pages listed', async () => {
    const victim = (await upstreamRecords(stack.sandbox, loc(0)))[5]!.id;
    stack.sandbox.admin.deleteOpportunity(loc(0), victim);
    stack.sandbox.admin.setKnobs(loc(0), { failPages: [{ pageIndex: 6, status: 500 }] });
    const run = await stack.sync(loc(0), { timeoutMs: 120_000 });
    stack.sandbox.admin.resetKnobs(loc(0));
    expect(run).toMatchObject({
      status: 'completed_without_sweep',
      deleted: 0,
      sweepStatus: 'skipped',
      pages: 6,
      errorCode: 'ghl_server_error',
    });
    expect(run.error).toContain('pass 1 did not finish every page');
    expect(await liveCount(loc(0))).toBe(1_000);
  });

  it('(b) refuses a sweep that would delete 150 of 1,000 live rows, until allowed explicitly', async () => {
    const records = await upstreamRecords(stack.sandbox, loc(1));
    for (const r of records.slice(0, 150)) stack.sandbox.admin.deleteOpportunity(loc(1), r.id);
    const refused = await stack.sync(loc(1));
    expect(refused).toMatchObject({
      status: 'completed_without_sweep',
      deleted: 0,
      listed: 850,
      errorCode: 'sweep_too_large',
    });
    expect(refused.error).toMatch(/150 of 1000 live rows \(15\.0% > 10%\)/);
    expect(await liveCount(loc(1))).toBe(1_000);

    const allowed = await stack.sync(loc(1), { allowMassDelete: true });
    expect(allowed).toMatchObject({ status: 'completed', deleted: 150, listed: 850 });
    expect(await stack.compare(loc(1))).toEqual({ checked: 850, tombstoned: 150, mismatches: [] });
  });

  it('(c) tombstones exactly the one opportunity deleted upstream and (d) brings it back when it reappears', async () => {
    const target = (await upstreamRecords(stack.sandbox, loc(2)))[42]!;
    stack.sandbox.admin.deleteOpportunity(loc(2), target.id);
    const swept = await stack.sync(loc(2));
    expect(swept).toMatchObject({ status: 'completed', deleted: 1, unchanged: 299 });
    const { rows: gone } = await stack.database.db.query<{ id: string }>(
      `SELECT id FROM ghl.opportunities WHERE location_id = $1 AND deleted_at IS NOT NULL`,
      [loc(2)],
    );
    expect(gone.map((r) => r.id)).toEqual([target.id]);

    stack.sandbox.admin.createOpportunity(loc(2), target);
    const back = await stack.sync(loc(2));
    expect(back).toMatchObject({ status: 'completed', deleted: 0, updated: 1, unchanged: 299 });
    const { rows } = await stack.database.db.query<{ deleted_at: Date | null }>(
      `SELECT deleted_at FROM ghl.opportunities WHERE id = $1`,
      [target.id],
    );
    expect(rows[0]!.deleted_at).toBeNull();
    expect(await stack.compare(loc(2))).toEqual({ checked: 300, tombstoned: 0, mismatches: [] });
  });

  it('purges tombstones older than the retention age and keeps younger ones', async () => {
    const { rows } = await stack.database.db.query<{ id: string }>(
      `SELECT id FROM ghl.opportunities WHERE location_id = $1 AND deleted_at IS NOT NULL ORDER BY id LIMIT 2`,
      [loc(1)],
    );
    await stack.database.db.query(
      `UPDATE ghl.opportunities SET deleted_at = now() - interval '91 days' WHERE id = $1`,
      [rows[0]!.id],
    );
    await stack.database.db.query(
      `UPDATE ghl.opportunities SET deleted_at = now() - interval '89 days' WHERE id = $1`,
      [rows[1]!.id],
    );
    expect(await purgeTombstones(stack.database.db, 90)).toBe(1);
    const left = await stack.database.db.query(`SELECT id FROM ghl.opportunities WHERE id = ANY($1::text[])`, [
      [rows[0]!.id, rows[1]!.id],
    ]);
    expect(left.rows).toEqual([{ id: rows[1]!.id }]);
  });
});

// #3 "Pagination that cannot loop".
describe('pagination that cannot loop', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({
      sandbox: { seed: 22, locations: [{ opportunities: 500 }, { opportunities: 250 }] },
      env: { SWEEP_VERIFY_MAX: '0' },
    });
    await stack.startWorkers(1);
    await stack.sync(stack.sandbox.locations[0]!.id);
    await stack.sync(stack.sandbox.locations[1]!.id);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('ends pass 1 with pagination_stalled after at most one extra call when GHL repeats a cursor, and does not sweep', async () => {
    const loc = stack.sandbox.locations[0]!.id;
    stack.sandbox.admin.deleteOpportunity(loc, (await upstreamRecords(stack.sandbox, loc))[3]!.id);
    stack.sandbox.admin.setKnobs(loc, { stallCursorAfterPage: 2 });
    stack.sandbox.admin.resetStats(loc);
    const run = await stack.sync(loc);
    stack.sandbox.admin.resetKnobs(loc);
    expect(run).toMatchObject({
      status: 'completed_without_sweep',
      errorCode: 'pagination_stalled',
      deleted: 0,
      pages: 2,
      sweepStatus: 'skipped',
    });
    // pipelines + 2 good listing calls + the 1 call that revealed the stall + 2 page fetches
    expect(stack.sandbox.admin.getStats(loc).requests).toBe(6);
  });

  it('does not trust a wrong meta.total: the listing stops on the short page and the sweep is refused', async () => {
    const loc = stack.sandbox.locations[1]!.id;
    stack.sandbox.admin.deleteOpportunity(loc, (await upstreamRecords(stack.sandbox, loc))[0]!.id);
    stack.sandbox.admin.setKnobs(loc, { totalMode: 'inflated' });
    const run = await stack.sync(loc);
    stack.sandbox.admin.resetKnobs(loc);
    expect(run).toMatchObject({
      status: 'completed_without_sweep',
      errorCode: 'sweep_total_mismatch',
      listed: 249,
      pages: 3,
      deleted: 0,
      apiCalls: 7,
    });
    expect(run.error).toContain('meta.total is 167623');
  });
});

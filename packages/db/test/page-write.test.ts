import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countSweepCandidates,
  createRun,
  closeRunWithPageTotals,
  getRun,
  recordListedPage,
  sweepUnseen,
  transitionRun,
  upsertLocation,
  writeOpportunityPage,
  type OpportunityRow,
} from '@ghl-sync/db';
import { createTestDatabase, type TestDatabase } from '@ghl-sync/testing';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

function row(id: string, name: string, amount: string | null = '100'): OpportunityRow {
  return {
    id,
    name,
    monetaryValue: amount,
    status: 'open',
    pipelineId: 'p1',
    pipelineStageId: 's1',
    contactId: `c-${id}`,
    assignedTo: null,
    source: null,
    lostReasonId: null,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-02T00:00:00.000Z',
    lastStatusChangeAt: null,
    lastStageChangeAt: null,
    customFields: [],
    raw: { id, name, monetaryValue: amount },
  };
}

async function listAndWrite(locationId: string, rows: OpportunityRow[], opts: { force?: boolean } = {}) {
  const run = await createRun(t.db, { locationId, trigger: 'test' });
  await transitionRun(t.db, run.id, 'listing');
  await recordListedPage(t.db, {
    runId: run.id,
    pageNo: 1,
    locationId,
    ids: rows.map((r) => r.id),
    withoutId: 0,
    start: null,
    end: null,
    next: null,
    isLast: true,
    listed: rows.length,
    apiCalls: 1,
    reportedTotal: rows.length,
  });
  await transitionRun(t.db, run.id, 'writing');
  const result = await writeOpportunityPage(t.db, {
    runId: run.id,
    pageNo: 1,
    locationId,
    opportunities: rows,
    contacts: [],
    recordErrors: [],
    fetched: rows.length,
    duplicates: 0,
    apiCalls: 1,
    force: opts.force,
  });
  return { run, result };
}

describe('writeOpportunityPage', () => {
  it('reports inserted, updated and unchanged exactly, and does not rewrite unchanged rows', async () => {
    await upsertLocation(t.db, { id: 'loc-w', accessToken: 'pit-x' }, t.tokens);
    const first = await listAndWrite('loc-w', [row('a', 'A'), row('b', 'B'), row('c', 'C')]);
    expect(first.result).toEqual({ inserted: 3, updated: 0, unchanged: 0, alreadyDone: false });
    await closeRunWithPageTotals(t.db, first.run.id, 'completed');

    const syncedAt = async () =>
      (
        await t.db.query<{ id: string; synced_at: Date }>(
          `SELECT id, synced_at FROM ghl.opportunities WHERE id IN ('a','b') ORDER BY id`,
        )
      ).rows.map((r) => r.synced_at.getTime());
    const [aBefore, bBefore] = await syncedAt();
    const second = await listAndWrite('loc-w', [row('a', 'A'), row('b', 'B2'), row('c', 'C'), row('d', 'D')]);
    expect(second.result).toEqual({ inserted: 1, updated: 1, unchanged: 2, alreadyDone: false });
    // The unchanged row keeps its synced_at (not rewritten); the changed one gets a new one.
    const [aAfter, bAfter] = await syncedAt();
    expect(aAfter).toBe(aBefore);
    expect(bAfter).toBeGreaterThan(bBefore!);
    const names = await t.db.query<{ id: string; name: string; monetary_value: string }>(
      `SELECT id, name, monetary_value FROM ghl.opportunities WHERE location_id = 'loc-w' ORDER BY id`,
    );
    expect(names.rows).toEqual([
      { id: 'a', name: 'A', monetary_value: '100' },
      { id: 'b', name: 'B2', monetary_value: '100' },
      { id: 'c', name: 'C', monetary_value: '100' },
      { id: 'd', name: 'D', monetary_value: '100' },
    ]);
    await closeRunWithPageTotals(t.db, second.run.id, 'completed');
    const run = await getRun(t.db, second.run.id);
    expect(run).toMatchObject({
      status: 'completed',
      inserted: 1,
      updated: 1,
      unchanged: 2,
      listed: 4,
      pages: 1,
      apiCalls: 2,
    });
  });

  it('leaves a page that is already done alone, so a second attempt does not double the counters', async () => {
    await upsertLocation(t.db, { id: 'loc-i', accessToken: 'pit-x' }, t.tokens);
    const { run } = await listAndWrite('loc-i', [row('i1', 'I1'), row('i2', 'I2')]);
    const again = await writeOpportunityPage(t.db, {
      runId: run.id,
      pageNo: 1,
      locationId: 'loc-i',
      opportunities: [row('i1', 'I1'), row('i2', 'I2')],
      contacts: [],
      recordErrors: [],
      fetched: 2,
      duplicates: 0,
      apiCalls: 1,
    });
    expect(again).toEqual({ inserted: 2, updated: 0, unchanged: 0, alreadyDone: true });
    const final = await closeRunWithPageTotals(t.db, run.id, 'completed');
    expect(final).toMatchObject({ inserted: 2, updated: 0, unchanged: 0, apiCalls: 2 });
  });

  it('stores money exactly and rewrites everything in force (resync) mode', async () => {
    await upsertLocation(t.db, { id: 'loc-m', accessToken: 'pit-x' }, t.tokens);
    await listAndWrite('loc-m', [row('m1', 'M', '12345678901.99'), row('m2', 'M', null)]).then((r) =>
      closeRunWithPageTotals(t.db, r.run.id, 'completed'),
    );
    const forced = await listAndWrite('loc-m', [row('m1', 'M', '12345678901.99'), row('m2', 'M', null)], {
      force: true,
    });
    expect(forced.result).toMatchObject({ inserted: 0, updated: 2, unchanged: 0 });
    const { rows } = await t.db.query<{ monetary_value: string | null }>(
      `SELECT monetary_value FROM ghl.opportunities WHERE location_id = 'loc-m' ORDER BY id`,
    );
    expect(rows.map((r) => r.monetary_value)).toEqual(['12345678901.99', null]);
  });
});

describe('sweep', () => {
  it('tombstones exactly the unseen rows and a later write brings one back', async () => {
    await upsertLocation(t.db, { id: 'loc-s', accessToken: 'pit-x' }, t.tokens);
    const first = await listAndWrite('loc-s', [row('s1', 'S1'), row('s2', 'S2'), row('s3', 'S3')]);
    await closeRunWithPageTotals(t.db, first.run.id, 'completed');

    const run = await createRun(t.db, { locationId: 'loc-s', trigger: 'test' });
    await recordListedPage(t.db, {
      runId: run.id,
      pageNo: 1,
      locationId: 'loc-s',
      ids: ['s1', 's3'],
      withoutId: 0,
      start: null,
      end: null,
      next: null,
      isLast: true,
      listed: 2,
      apiCalls: 1,
      reportedTotal: 2,
    });
    expect(await countSweepCandidates(t.db, run.id, 'loc-s')).toEqual({ live: 3, unseen: 1 });
    expect(await sweepUnseen(t.db, run.id, 'loc-s')).toBe(1);
    const { rows } = await t.db.query<{ id: string; gone: boolean; last_seen_run_id: number | null }>(
      `SELECT id, deleted_at IS NOT NULL AS gone, last_seen_run_id FROM ghl.opportunities WHERE location_id = 'loc-s' ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: 's1', gone: false, last_seen_run_id: run.id },
      { id: 's2', gone: true, last_seen_run_id: first.run.id },
      { id: 's3', gone: false, last_seen_run_id: run.id },
    ]);
    await closeRunWithPageTotals(t.db, run.id, 'completed');

    const back = await listAndWrite('loc-s', [row('s1', 'S1'), row('s2', 'S2'), row('s3', 'S3')]);
    expect(back.result).toMatchObject({ inserted: 0, updated: 1, unchanged: 2 });
    const s2 = await t.db.query<{ deleted_at: Date | null }>(
      `SELECT deleted_at FROM ghl.opportunities WHERE id = 's2'`,
    );
    expect(s2.rows[0]!.deleted_at).toBeNull();
  });

  it('allows one active run per location and names it', async () => {
    await upsertLocation(t.db, { id: 'loc-a', accessToken: 'pit-x' }, t.tokens);
    const active = await createRun(t.db, { locationId: 'loc-a', trigger: 'test' });
    await expect(createRun(t.db, { locationId: 'loc-a', trigger: 'test' })).rejects.toMatchObject({
      code: 'run_already_active',
      details: { activeRunId: active.id },
    });
    await expect(createRun(t.db, { locationId: 'nope', trigger: 'test' })).rejects.toMatchObject({
      code: 'location_not_found',
    });
  });
});

describe('sweepUnseen', () => {
  it('tombstones nothing when recording the sweep on the run fails: both statements commit together or not at all', async () => {
    await upsertLocation(t.db, { id: 'loc-tx', accessToken: 'pit-x' }, t.tokens);
    const first = await listAndWrite('loc-tx', [row('tx1', 'gone upstream')]);
    await closeRunWithPageTotals(t.db, first.run.id, 'completed');
    const run = await createRun(t.db, { locationId: 'loc-tx', trigger: 'test' }); // lists nothing: tx1 is unseen
    // A failure of the run update (here a trigger that refuses it), after the tombstones were written.
    await t.db.query(`CREATE FUNCTION ghl.refuse_sweep_record() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN RAISE EXCEPTION 'refused'; END $$`);
    await t.db.query(`CREATE TRIGGER refuse_sweep_record BEFORE UPDATE OF sweep_status ON ghl.sync_runs
      FOR EACH ROW EXECUTE FUNCTION ghl.refuse_sweep_record()`);
    try {
      await expect(sweepUnseen(t.db, run.id, 'loc-tx')).rejects.toThrow('refused');
    } finally {
      await t.db.query(`DROP TRIGGER refuse_sweep_record ON ghl.sync_runs`);
      await t.db.query(`DROP FUNCTION ghl.refuse_sweep_record()`);
    }
    const { rows } = await t.db.query<{ deleted_at: Date | null }>(
      `SELECT deleted_at FROM ghl.opportunities WHERE id = 'tx1'`,
    );
    expect(rows[0]!.deleted_at).toBeNull();
    expect(await getRun(t.db, run.id)).toMatchObject({ sweepStatus: 'pending', deleted: 0 });
    expect(await sweepUnseen(t.db, run.id, 'loc-tx')).toBe(1);
    expect(await getRun(t.db, run.id)).toMatchObject({ sweepStatus: 'done', deleted: 1 });
  });
});

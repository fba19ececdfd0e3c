import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRunErrors } from '@ghl-sync/db';
import { checkLocation } from './support/check-location.js';
import { expectExact } from './support/expect-exact.js';
import { startFaultStack, type FaultStack } from './support/fault-stack.js';
import { recordResult, scaled } from './support/results.js';

// Scenario 8: GHL answers 200 with a body that is not the documented envelope.
const RECORDS = scaled(1_000, 20_000);
const BROKEN_PAGE = 4; // 0-based: run page 5

describe('fault 8: malformed search responses', () => {
  let stack: FaultStack;
  let loc: string;
  const started = Date.now();
  const result = { runs: 0, rowsChecked: 0, lost: 0, duplicated: 0, notes: '' };
  let upstream = RECORDS;
  let tombstones = 0;
  const check = async (expected: { checked: number; tombstoned: number }) => {
    const c = await checkLocation(stack.db, stack.sandbox, loc);
    result.rowsChecked += c.checked;
    result.lost += c.lost.length;
    result.duplicated += c.duplicated;
    expectExact(c, expected);
  };
  beforeAll(async () => {
    // Two client attempts instead of five keep the permanently broken page quick to give up on.
    stack = await startFaultStack({
      sandbox: { seed: 808, locations: [{ opportunities: RECORDS }] },
      env: { GHL_MAX_ATTEMPTS: '2' },
    });
    loc = stack.sandbox.locations[0]!.id;
    stack.spawnWorkers(2);
    const first = await stack.sync(loc, { timeoutMs: 180_000 });
    result.runs += 1;
    expect(first.status).toBe('completed');
  });
  afterAll(async () => {
    recordResult({ scenario: '8 malformed', ...result, durationMs: Date.now() - started });
    stack?.dumpLogs('08-malformed-responses');
    await stack?.stop();
  });

  for (const mode of ['invalid_json', 'html', 'missing_meta'] as const) {
    it(`${mode} on a listing page: ghl_invalid_response, the pages before it written, no sweep; the next run heals`, async () => {
      // Deletions a sweep would apply: a run that could not read a page must not apply them.
      const changed = stack.sandbox.admin.mutate(loc, { delete: 3, update: 5, seed: mode.length });
      upstream -= 3;
      stack.sandbox.admin.setKnobs(loc, { malformed: { mode, pageIndex: BROKEN_PAGE } });
      const broken = await stack.sync(loc, { timeoutMs: 180_000 });
      result.runs += 1;
      expect(broken).toMatchObject({
        status: 'completed_without_sweep',
        sweepStatus: 'skipped',
        errorCode: 'ghl_invalid_response',
        deleted: 0,
        pages: BROKEN_PAGE,
        failedPages: 0,
      });
      const {
        rows: [gone],
      } = await stack.db.query<{ n: number }>(
        `SELECT count(*) AS n FROM ghl.opportunities WHERE id = ANY($1::text[]) AND deleted_at IS NULL`,
        [changed.deleted],
      );
      expect(gone!.n).toBe(3); // not swept: the listing was incomplete

      stack.sandbox.admin.setKnobs(loc, { malformed: null });
      const healed = await stack.sync(loc, { timeoutMs: 180_000 });
      result.runs += 1;
      expect(healed).toMatchObject({ status: 'completed', deleted: 3, sweepStatus: 'done' });
      tombstones += 3;
      await check({ checked: upstream, tombstoned: tombstones });
    });
  }

  // This case found that pass 1 dropped id-less records when marking ids, so the sweep (a one-record
  // gap, within tolerance) tombstoned the stored row of a record still upstream. The sweep now asks
  // GHL about that row (GET by its id) and keeps it.
  it('missing_id: the record is reported as record_missing_id, and no stored row is swept because of it', async () => {
    stack.sandbox.admin.setKnobs(loc, { malformed: { mode: 'missing_id', pageIndex: BROKEN_PAGE } });
    const run = await stack.sync(loc, { timeoutMs: 180_000 });
    result.runs += 1;
    const errors = await listRunErrors(stack.db, run.id);
    expect(errors.map((e) => e.code)).toContain('record_missing_id');
    expect(errors.find((e) => e.code === 'record_missing_id')).toMatchObject({ pageNo: BROKEN_PAGE + 1 });
    // The record without an id is still upstream; its stored row must stay live.
    const {
      rows: [swept],
    } = await stack.db.query<{ n: number }>(
      `SELECT count(*) AS n FROM ghl.opportunities WHERE location_id = $1 AND deleted_at IS NOT NULL`,
      [loc],
    );
    result.notes = `missing_id run: ${run.status}, deleted ${run.deleted}, tombstones ${swept!.n - tombstones} new`;
    expect(run).toMatchObject({
      deleted: 0,
      status: 'completed',
      listedWithoutId: 1,
      sweepCandidates: 1,
      sweepVerifiedAlive: 1,
    });
    expect(swept!.n).toBe(tombstones);

    stack.sandbox.admin.setKnobs(loc, { malformed: null });
    const healed = await stack.sync(loc, { timeoutMs: 180_000 });
    result.runs += 1;
    expect(healed.status).toBe('completed');
    await check({ checked: upstream, tombstoned: tombstones });
  });
});

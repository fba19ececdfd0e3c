import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseNow, getRun, tombstoneOpportunity, writeOpportunityRecord } from '@ghl-sync/db';
import { normalizeOpportunity } from '@ghl-sync/sync';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { upstreamRecords } from '../support/upstream.js';
import { waitFor } from '../support/wait-for.js';

// Two writers read GHL at different moments and write later: page jobs (search) and webhook
// re-reads (GET by id). The sandbox's lagging search index serves page jobs an older version than
// GET, which is exactly the race where a page job read before the webhook's write.
describe('write order: the newer version wins whichever path writes last', () => {
  let stack: TestStack;
  const loc = (i: number) => stack.sandbox.locations[i]!.id;
  beforeAll(async () => {
    stack = await startTestStack({
      sandbox: { seed: 77, locations: [{ opportunities: 250 }, { opportunities: 300 }] },
    });
    await stack.startWorkers(1);
    for (let i = 0; i < 2; i++) expect(await stack.sync(loc(i))).toMatchObject({ status: 'completed' });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** What a webhook apply does with a GET answer: normalise the truth and write it by id. */
  const applyByGet = async (locationId: string, id: string, fetchedAt?: Date) => {
    const at = fetchedAt ?? (await databaseNow(stack.database.db));
    const n = normalizeOpportunity(stack.sandbox.admin.getOpportunity(locationId, id));
    return writeOpportunityRecord(stack.database.db, {
      locationId,
      opportunity: n.row!,
      contact: n.contact ?? null,
      fetchedAt: at,
    });
  };
  const row = async (id: string) =>
    (
      await stack.database.db.query<{ name: string; updated_at: Date; deleted_at: Date | null }>(
        `SELECT name, updated_at, deleted_at FROM ghl.opportunities WHERE id = $1`,
        [id],
      )
    ).rows[0];

  it('a page job that read an older version does not overwrite the row a webhook wrote', async () => {
    const target = (await upstreamRecords(stack.sandbox, loc(0)))[120]!;
    stack.sandbox.admin.setKnobs(loc(0), { indexLagMs: 600_000 });
    const newer = stack.sandbox.admin.updateOpportunity(loc(0), target.id, { name: 'renamed by a webhook' });
    expect(await applyByGet(loc(0), target.id)).toBe('updated');

    const run = await stack.sync(loc(0));
    stack.sandbox.admin.resetKnobs(loc(0));
    // Search still served the old name: the page job's copy was older and was refused.
    expect(run).toMatchObject({ status: 'completed', inserted: 0, updated: 0, unchanged: 250, deleted: 0 });
    expect(await row(target.id)).toMatchObject({
      name: 'renamed by a webhook',
      updated_at: new Date(newer['updatedAt'] as string),
      deleted_at: null,
    });

    // Equal or newer wins: once search catches up, the same version may be written, a newer one lands.
    expect(await stack.sync(loc(0))).toMatchObject({ status: 'completed', inserted: 0, deleted: 0 });
    expect(await row(target.id)).toMatchObject({ name: 'renamed by a webhook', deleted_at: null });
    stack.sandbox.admin.updateOpportunity(loc(0), target.id, { name: 'renamed upstream again' });
    expect(await stack.sync(loc(0))).toMatchObject({ status: 'completed', updated: 1, unchanged: 249 });
    expect((await row(target.id))?.name).toBe('renamed upstream again');
  });

  it('a webhook that read an older version does not overwrite what a page job wrote', async () => {
    const target = (await upstreamRecords(stack.sandbox, loc(0)))[7]!;
    const stale = normalizeOpportunity(stack.sandbox.admin.getOpportunity(loc(0), target.id));
    stack.sandbox.admin.updateOpportunity(loc(0), target.id, { name: 'newer from the page job' });
    expect(await stack.sync(loc(0))).toMatchObject({ status: 'completed', updated: 1 });
    const outcome = await writeOpportunityRecord(stack.database.db, {
      locationId: loc(0),
      opportunity: stale.row!,
      contact: null,
      fetchedAt: await databaseNow(stack.database.db),
    });
    expect(outcome).toBe('unchanged');
    expect((await row(target.id))?.name).toBe('newer from the page job');
  });

  it('a read made before a delete never lifts the tombstone; a read made after it does', async () => {
    const target = (await upstreamRecords(stack.sandbox, loc(0)))[33]!;
    const readBefore = await databaseNow(stack.database.db);
    expect(await tombstoneOpportunity(stack.database.db, loc(0), target.id)).toBe(true);
    expect(await applyByGet(loc(0), target.id, readBefore)).toBe('unchanged');
    expect((await row(target.id))?.deleted_at).not.toBeNull();
    // Found again by a read that started after the tombstone: undeleted.
    expect(await applyByGet(loc(0), target.id)).toBe('updated');
    expect((await row(target.id))?.deleted_at).toBeNull();
  });

  it('the sweep never tombstones a row written after the run started (created while pass 1 listed)', async () => {
    // Search lags behind: the new opportunity is not listed by this run's pass 1.
    stack.sandbox.admin.setKnobs(loc(1), { indexLagMs: 600_000, latencyMs: { medianMs: 40, jitterMs: 0 } });
    const created = stack.sandbox.admin.createOpportunity(loc(1), { name: 'created mid-listing' });
    const started = await stack.startRun(loc(1));
    await waitFor('pass 1 under way', async () => (await getRun(stack.database.db, started.id))?.status === 'listing');
    expect(await applyByGet(loc(1), created['id'] as string)).toBe('inserted');
    const run = await stack.wait(started.id);
    stack.sandbox.admin.resetKnobs(loc(1));
    expect(run).toMatchObject({ status: 'completed', listed: 300, deleted: 0, sweepStatus: 'done' });
    expect(await row(created['id'] as string)).toMatchObject({ name: 'created mid-listing', deleted_at: null });

    // An opportunity deleted upstream and unseen is still swept as before.
    const gone = (await upstreamRecords(stack.sandbox, loc(1)))[150]!;
    stack.sandbox.admin.deleteOpportunity(loc(1), gone.id);
    expect(await stack.sync(loc(1))).toMatchObject({ status: 'completed', listed: 300, deleted: 1 });
    expect((await row(gone.id))?.deleted_at).not.toBeNull();
    expect((await row(created['id'] as string))?.deleted_at).toBeNull();
  });
});

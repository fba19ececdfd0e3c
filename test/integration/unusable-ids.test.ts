import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listPages, listRunErrors, type SyncRun } from '@ghl-sync/db';
import { startTestStack, type TestStack } from '../support/test-stack.js';

// Pass 1 counts records without a usable id (`listedWithoutId`, a sweep guard input) and the page job
// reports each of them as `record_missing_id`: both read one id rule, so the two figures agree,
// for '' and whitespace-only ids too, and even when such ids repeat on a page. (The sweep guard then
// refuses the sweep, as it does whenever pass 1 saw records it could not mark.)
describe('records without a usable id', () => {
  let stack: TestStack;
  let run: SyncRun;
  beforeAll(async () => {
    stack = await startTestStack({ sandbox: { seed: 47, locations: [{ opportunities: 0 }] } });
    const loc = stack.sandbox.locations[0]!.id;
    const createdMs = Date.parse('2025-04-01T12:00:00.000Z');
    const record = (i: number, id: string | undefined) => ({
      ...(id !== undefined && { id }),
      name: `Deal ${i}`,
      monetaryValue: 10,
      status: 'open',
      contactId: `contact-unusable-${i}`,
      locationId: loc,
      createdAt: new Date(createdMs - i * 1000).toISOString(),
      updatedAt: '2025-04-02T00:00:00.000Z',
    });
    stack.sandbox.admin.setKnobs(loc, {
      pageRecords: [
        record(0, 'usableId00000000001'),
        record(1, ''),
        record(2, ''),
        record(3, '   '),
        record(4, '   '),
        record(5, undefined),
        record(6, 'usableId00000000002'),
      ],
    });
    stack.spawnWorkers(1);
    run = await stack.sync(loc);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("counts '' and whitespace-only ids alike in pass 1 and in the page's record errors", async () => {
    expect(run).toMatchObject({
      status: 'completed_without_sweep',
      listed: 2,
      listedWithoutId: 5,
      inserted: 2,
      duplicates: 0,
    });
    const errors = await listRunErrors(stack.database.db, run.id);
    const missing = errors.filter((e) => e.code === 'record_missing_id');
    expect(missing).toHaveLength(run.listedWithoutId);
    expect(missing.every((e) => e.opportunityId === null && e.pageNo === 1)).toBe(true);
    expect(errors.filter((e) => e.code === 'record_duplicate')).toEqual([]);
    const [page] = await listPages(stack.database.db, run.id);
    expect(page).toMatchObject({ fetched: 7, duplicates: 0, inserted: 2, recordErrors: 5 });
  });
});

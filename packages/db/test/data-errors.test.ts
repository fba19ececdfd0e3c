import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRun, listRuns } from '@ghl-sync/db';
import { isGhlSyncError } from '@ghl-sync/errors';
import { createTestDatabase, type TestDatabase } from '@ghl-sync/testing';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

describe('a value Postgres can never store (SQLSTATE class 22)', () => {
  it('is invalid_argument, not retryable, with no SQL in it; a lost connection stays db_error', async () => {
    for (const attempt of [
      () => listRuns(t.db, { locationId: 'a\u0000b', limit: 1 }),
      () => getRun(t.db, 99_999_999_999),
    ]) {
      const err = await attempt().catch((e: unknown) => e);
      expect(isGhlSyncError(err, 'invalid_argument'), String(err)).toBe(true);
      expect((err as { retryable: boolean }).retryable).toBe(false);
      expect((err as { details: Record<string, unknown> }).details).toEqual({ pgCode: expect.stringMatching(/^22/) });
    }
    const other = await t.db.query('SELECT * FROM ghl.no_such_table').catch((e: unknown) => e);
    expect(isGhlSyncError(other, 'db_error')).toBe(true);
  });
});

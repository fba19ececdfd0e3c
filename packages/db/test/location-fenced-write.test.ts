import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getLocation,
  markLocationUninstalled,
  upsertAgency,
  upsertLocation,
  upsertLocationIfUnchanged,
} from '@ghl-sync/db';
import { createTestDatabase, type TestDatabase } from '@ghl-sync/testing';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await upsertAgency(
    t.db,
    {
      id: 'co-1',
      accessToken: 'company-access',
      refreshToken: 'company-refresh',
      expiresAt: new Date(Date.now() + 3_600_000),
    },
    t.tokens,
  );
});
afterAll(async () => {
  await t?.drop();
});

describe('upsertLocationIfUnchanged', () => {
  it("never replaces a pair saved after the caller's read: a reinstall's own pair survives an agency reconcile that read the uninstalled row", async () => {
    const minted = (token: string) => ({
      id: 'loc-fence',
      authType: 'agency' as const,
      agencyId: 'co-1',
      accessToken: token,
    });
    const first = await upsertLocation(t.db, minted('minted-1'), t.tokens);
    await markLocationUninstalled(t.db, 'loc-fence', 'UNINSTALL webhook');
    // The reconcile reads the uninstalled agency row…
    const read = (await getLocation(t.db, 'loc-fence', t.tokens))!;
    expect(read.tokenGeneration).toBe(first.tokenGeneration);
    // …the sub-account installs the app itself and its own pair is saved…
    await upsertLocation(
      t.db,
      { id: 'loc-fence', authType: 'oauth', accessToken: 'own-access', refreshToken: 'own-refresh' },
      t.tokens,
    );
    // …then the reconcile's minted token arrives, fenced on what it read: nothing is written.
    expect(await upsertLocationIfUnchanged(t.db, minted('minted-2'), read.tokenGeneration, t.tokens)).toBeNull();
    expect(await getLocation(t.db, 'loc-fence', t.tokens)).toMatchObject({
      authType: 'oauth',
      accessToken: 'own-access',
      refreshToken: 'own-refresh',
      uninstalledAt: null,
    });
  });

  it('writes when the row is as read, and registers a new location only while none exists', async () => {
    const input = { id: 'loc-new', authType: 'agency' as const, agencyId: 'co-1', accessToken: 'minted-a' };
    const created = await upsertLocationIfUnchanged(t.db, input, null, t.tokens);
    expect(created).toMatchObject({ id: 'loc-new', authType: 'agency' });
    // A second "not registered yet" read is stale now.
    expect(await upsertLocationIfUnchanged(t.db, { ...input, accessToken: 'minted-b' }, null, t.tokens)).toBeNull();
    const updated = await upsertLocationIfUnchanged(
      t.db,
      { ...input, accessToken: 'minted-c' },
      created!.tokenGeneration,
      t.tokens,
    );
    expect(updated!.tokenGeneration).toBe(created!.tokenGeneration + 1);
    expect((await getLocation(t.db, 'loc-new', t.tokens))!.accessToken).toBe('minted-c');
  });
});

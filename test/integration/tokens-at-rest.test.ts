import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS_DIR, getAgency, getLocation, upsertAgency } from '@ghl-sync/db';
import { isGhlSyncError } from '@ghl-sync/errors';
import { createTokenCipher, generateTokenKey } from '@ghl-sync/secrets';
import { CLI_BIN, startTestStack, type TestStack } from '../support/test-stack.js';

// GHL tokens are encrypted at rest: nothing a data-only dump of the database holds is a token;
// rows from before encryption are encrypted by `db migrate`; `keys rotate` moves every row to a new key.
const ENCRYPTION_MIGRATION = '1795982298660_tokens-encrypted-at-rest.sql';

describe('tokens at rest', { timeout: 180_000 }, () => {
  let stack: TestStack;
  const cli = (env: Record<string, string>, ...args: string[]) =>
    spawnSync(process.execPath, [CLI_BIN, ...args], {
      env: { ...process.env, ...stack.env, ...env },
      encoding: 'utf8',
    });
  const dump = () => {
    const res = spawnSync('pg_dump', ['--data-only', '--schema=ghl', stack.database.url], { encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    return res.stdout;
  };
  beforeAll(async () => {
    stack = await startTestStack({ sandbox: { locations: [{ opportunities: 30 }] } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('a pg_dump --data-only holds no token, PIT or OAuth, and a worker still syncs with them', async () => {
    const add = cli(
      {},
      'locations',
      'add',
      'loc-oauth',
      '--token',
      'at-secret-a1b2c3',
      '--refresh-token',
      'rt-secret-d4e5f6',
      '--no-schedule',
      '--no-check',
    );
    expect(add.status, add.stderr).toBe(0);
    const sandboxToken = stack.sandbox.locations[0]!.token;
    const text = dump();
    expect(text).toContain('loc-oauth'); // the dump really holds the locations table
    for (const token of ['at-secret-a1b2c3', 'rt-secret-d4e5f6', sandboxToken]) expect(text).not.toContain(token);
    expect(text).toMatch(/v1:[0-9a-f]{8}:/);

    stack.startWorkers(1);
    const run = await stack.sync(stack.sandbox.locations[0]!.id);
    expect(run).toMatchObject({ status: 'completed', inserted: 30 });
  });

  it('db migrate encrypts rows stored before encryption, then refuses plaintext; without the key it says how to make one', async () => {
    const db = stack.database.db;
    // The database as it was before the encryption migration: the later migrations undone (their
    // Down sections, newest first), plaintext tokens, no constraint.
    const later = readdirSync(MIGRATIONS_DIR)
      .filter((f) => f.endsWith('.sql') && f > ENCRYPTION_MIGRATION)
      .sort()
      .reverse();
    for (const file of later) {
      await db.query(readFileSync(join(MIGRATIONS_DIR, file), 'utf8').split('-- Down Migration')[1]!);
      await db.query(`DELETE FROM ghl.pgmigrations WHERE name = $1`, [file.replace(/\.sql$/, '')]);
    }
    await db.query(`ALTER TABLE ghl.locations DROP CONSTRAINT locations_tokens_encrypted`);
    await db.query(`DELETE FROM ghl.pgmigrations WHERE name LIKE '%tokens-encrypted-at-rest'`);
    await db.query(
      `INSERT INTO ghl.locations (id, auth_type, access_token, refresh_token) VALUES
         ('loc-old-pit', 'pit', 'pit-plain-111', NULL), ('loc-old-oauth', 'oauth', 'at-plain-222', 'rt-plain-333')`,
    );

    const noKey = cli({ TOKEN_ENCRYPTION_KEY: '' }, 'db', 'migrate');
    expect(noKey.status).toBe(1);
    expect(noKey.stderr).toContain('error [config_invalid]: TOKEN_ENCRYPTION_KEY is not set');
    expect(noKey.stderr).toContain('openssl rand -base64 32');

    const migrate = cli({}, 'db', 'migrate');
    expect(migrate.status, migrate.stderr).toBe(0);
    expect(migrate.stdout).toContain('encrypted the plaintext tokens of 2 location(s)');
    const text = dump();
    for (const token of ['pit-plain-111', 'at-plain-222', 'rt-plain-333']) expect(text).not.toContain(token);
    expect(await getLocation(db, 'loc-old-oauth', stack.database.tokens)).toMatchObject({
      accessToken: 'at-plain-222',
      refreshToken: 'rt-plain-333',
    });
    const again = cli({}, 'db', 'migrate');
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).not.toContain('encrypted');

    const plaintext = await db
      .query(`UPDATE ghl.locations SET access_token = 'pit-sneaks-back' WHERE id = 'loc-old-pit'`)
      .catch((err: unknown) => err);
    expect(isGhlSyncError(plaintext, 'db_error')).toBe(true);
    expect(String((plaintext as Error).message)).toContain('locations_tokens_encrypted');
  });

  it('keys rotate re-encrypts every row under the new key while the old one is configured as previous', async () => {
    const db = stack.database.db;
    const oldKey = stack.database.tokenKey;
    const newKey = generateTokenKey();
    const newOnly = createTokenCipher({ current: newKey });
    // An agency's Company pair is rotated with the locations' tokens.
    await upsertAgency(
      db,
      { id: 'agency-1', accessToken: 'company-at-777', refreshToken: 'company-rt-888', expiresAt: new Date() },
      stack.database.tokens,
    );

    const without = cli({ TOKEN_ENCRYPTION_KEY: newKey }, 'keys', 'rotate');
    expect(without.status).toBe(1);
    expect(without.stderr).toContain('error [token_undecryptable]');
    expect(without.stderr).toContain('TOKEN_ENCRYPTION_PREVIOUS_KEYS');

    const rotate = cli({ TOKEN_ENCRYPTION_KEY: newKey, TOKEN_ENCRYPTION_PREVIOUS_KEYS: oldKey }, 'keys', 'rotate');
    expect(rotate.status, rotate.stderr).toBe(0);
    expect(rotate.stdout).toMatch(new RegExp(`key ${newOnly.currentKeyId}: [1-9]\\d* location\\(s\\) re-encrypted`));
    expect(rotate.stdout).toContain(`key ${newOnly.currentKeyId}: 1 agency token(s) re-encrypted`);
    expect(await getAgency(db, 'agency-1', newOnly)).toMatchObject({
      accessToken: 'company-at-777',
      refreshToken: 'company-rt-888',
    });
    expect(dump()).not.toContain('company-rt-888');
    const { rows } = await db.query<{ id: string; access_token: string; refresh_token: string | null }>(
      `SELECT id, access_token, refresh_token FROM ghl.locations`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(4);
    for (const row of rows) {
      expect(newOnly.keyIdOf(row.access_token)).toBe(newOnly.currentKeyId);
      if (row.refresh_token) expect(newOnly.keyIdOf(row.refresh_token)).toBe(newOnly.currentKeyId);
    }
    expect(await getLocation(db, 'loc-oauth', newOnly)).toMatchObject({
      accessToken: 'at-secret-a1b2c3',
      refreshToken: 'rt-secret-d4e5f6',
    });
    await expect(getLocation(db, 'loc-oauth', stack.database.tokens)).rejects.toSatisfy((err: unknown) =>
      isGhlSyncError(err, 'token_undecryptable'),
    );
  });
});

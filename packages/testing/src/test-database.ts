import { randomBytes } from 'node:crypto';
import { createDb, dropDatabase, runMigrations, type Db } from '@ghl-sync/db';
import { processEnvironment } from '@ghl-sync/config';
import { createTokenCipher, generateTokenKey, type TokenCipher } from '@ghl-sync/secrets';

/** Where tests find Postgres (`TEST_DATABASE_URL`). */
export const TEST_POSTGRES_URL =
  processEnvironment()['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A migrated database of its own for one test file; `drop()` removes it. */
export interface TestDatabase {
  url: string;
  name: string;
  db: Db;
  /** The key this database's tokens are encrypted under (base64): `TOKEN_ENCRYPTION_KEY` of its processes. */
  tokenKey: string;
  /** The cipher over {@link tokenKey}, for repository calls that read or write tokens. */
  tokens: TokenCipher;
  drop(): Promise<void>;
}

/** Creates `ghl_sync_test_<random>` on the machine's Postgres and migrates it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `ghl_sync_test_${randomBytes(5).toString('hex')}`;
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  await runMigrations({ databaseUrl: url.toString() });
  const db = createDb({ connectionString: url.toString(), max: 5, applicationName: 'ghl-sync-test' });
  const tokenKey = generateTokenKey();
  return {
    url: url.toString(),
    name,
    db,
    tokenKey,
    tokens: createTokenCipher({ current: tokenKey }),
    async drop() {
      await db.close();
      await dropDatabase(url.toString());
    },
  };
}

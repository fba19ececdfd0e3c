import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { runner } from 'node-pg-migrate';
import { GhlSyncError } from '@ghl-sync/errors';
import type { DbLogger } from './create-db.js';

/** Where the SQL migrations live (shipped with the package, next to `dist/` and `src/`). */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

/** Options for {@link runMigrations}. */
export interface RunMigrationsOptions {
  /** Target database URL; the database is created first when missing. */
  databaseUrl: string;
  logger?: DbLogger & { info(obj: object, msg?: string): void };
}

/**
 * Creates the database if it does not exist, then applies pending migrations (node-pg-migrate,
 * SQL files in `packages/db/migrations`, state in `ghl.pgmigrations`). Idempotent, and safe to call
 * from several processes at once (node-pg-migrate takes an advisory lock).
 *
 * @returns the names of the migrations applied by this call.
 * @throws GhlSyncError `db_error` when Postgres cannot be reached or a migration fails.
 */
export async function runMigrations(options: RunMigrationsOptions): Promise<string[]> {
  await ensureDatabase(options.databaseUrl, options.logger);
  try {
    const applied = await runner({
      databaseUrl: options.databaseUrl,
      dir: MIGRATIONS_DIR,
      direction: 'up',
      migrationsTable: 'pgmigrations',
      migrationsSchema: 'ghl',
      createMigrationsSchema: true,
      checkOrder: true,
      singleTransaction: true,
      log: () => undefined,
    });
    const names = applied.map((m) => m.name);
    options.logger?.info({ applied: names }, names.length ? 'migrations applied' : 'database schema up to date');
    return names;
  } catch (err) {
    throw new GhlSyncError('db_error', `Migration failed: ${(err as Error).message}`, { cause: err });
  }
}

async function ensureDatabase(
  databaseUrl: string,
  logger?: DbLogger & { info(obj: object, msg?: string): void },
): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) throw new GhlSyncError('config_invalid', 'DATABASE_URL names no database');
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  try {
    await client.connect();
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`).catch((err: { code?: string }) => {
        // Another process created it between our check and our CREATE.
        if (err.code !== '42P04') throw err;
      });
      logger?.info({ database: name }, 'database created');
    }
  } catch (err) {
    throw new GhlSyncError('db_error', `Cannot prepare database "${name}" at ${url.host}: ${(err as Error).message}`, {
      cause: err,
    });
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Drops a database (tests and benchmarks only). */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

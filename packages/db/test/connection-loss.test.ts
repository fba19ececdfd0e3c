import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '@ghl-sync/db';
import { createTestDatabase, type TestDatabase } from '@ghl-sync/testing';

// A Postgres backend terminated (failover, pg_terminate_backend) while this process holds its
// connection: the statement rejects with db_error, the process does not crash, the pool heals.
let t: TestDatabase;
let db: Db;
const reported: Array<{ state: string; message: string }> = [];
const uncaught: unknown[] = [];
const onUncaught = (err: unknown) => void uncaught.push(err);

beforeAll(async () => {
  t = await createTestDatabase();
  db = createDb({
    connectionString: t.url,
    max: 2,
    applicationName: 'ghl-sync-connection-loss',
    onConnectionError: (err, state) => void reported.push({ state, message: err.message }),
  });
  process.on('uncaughtException', onUncaught);
});
afterAll(async () => {
  process.off('uncaughtException', onUncaught);
  await db?.close();
  await t?.drop();
});

/** Terminates every backend of `db`'s application from the test kit's own pool. */
async function terminateBackends(): Promise<number> {
  const { rows } = await t.db.query<{ n: number }>(
    `SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity
     WHERE datname = current_database() AND application_name = 'ghl-sync-connection-loss'`,
  );
  return rows[0]!.n;
}

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
}

describe('a Postgres connection lost while checked out', () => {
  it('rejects the query in flight of a transaction with db_error and keeps the process alive', async () => {
    reported.length = 0;
    const tx = db.withTransaction(async (q) => {
      await q.query('SELECT 1');
      await q.query('SELECT pg_sleep(30)');
    });
    // Its rejection can arrive before terminateBackends() answers: observe it now, not after.
    const outcome = tx.then(
      () => undefined,
      (error: unknown) => error,
    );
    // The sleep is in flight once its backend shows it as active.
    for (let i = 0; i < 200; i++) {
      const { rows } = await t.db.query<{ n: number }>(
        `SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'ghl-sync-connection-loss' AND query LIKE 'SELECT pg_sleep%' AND state = 'active'`,
      );
      if (rows[0]!.n === 1) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(await terminateBackends()).toBe(1);
    expect(await outcome).toMatchObject({ code: 'db_error', retryable: true });
    await waitFor(() => reported.length > 0);
    expect(reported.map((r) => r.state)).toEqual(['checked_out']);
    expect(uncaught).toEqual([]);
    // The dead client left the pool: the next query opens a new connection.
    expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('fails the next statement of a transaction left idle in transaction when its backend died', async () => {
    reported.length = 0;
    let release!: () => void;
    const paused = new Promise<void>((r) => (release = r));
    let began!: () => void;
    const begun = new Promise<void>((r) => (began = r));
    const tx = db.withTransaction(async (q) => {
      await q.query(`CREATE TEMP TABLE held (n int)`);
      began();
      await paused; // idle in transaction: no query in flight, as while a job awaits an HTTP call
      await q.query('INSERT INTO held VALUES (1)');
    });
    await begun;
    expect(await terminateBackends()).toBeGreaterThanOrEqual(1);
    await waitFor(() => reported.length > 0);
    expect(reported.map((r) => r.state)).toContain('checked_out');
    release();
    await expect(tx).rejects.toMatchObject({ code: 'db_error', retryable: true });
    expect(uncaught).toEqual([]);
    expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('drops idle pooled connections whose backends died, and the next query reconnects', async () => {
    reported.length = 0;
    await Promise.all([db.query('SELECT pg_sleep(0.05)'), db.query('SELECT pg_sleep(0.05)')]);
    expect(db.pool.idleCount).toBe(2);
    expect(await terminateBackends()).toBe(2);
    await waitFor(() => reported.length >= 2);
    expect(reported.map((r) => r.state)).toEqual(['idle', 'idle']);
    expect(db.pool.totalCount).toBe(0);
    expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    expect(uncaught).toEqual([]);
  });
});

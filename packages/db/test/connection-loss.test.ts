import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDb,
  createRun,
  getPage,
  recordListedPage,
  transitionRun,
  upsertLocation,
  writeOpportunityPage,
  writeOpportunityRecord,
  type Db,
  type OpportunityRow,
} from '@ghl-sync/db';
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

/** Resolves once the `pg_sleep` under test is in flight: its backend shows it as active. */
async function sleepInFlight(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { rows } = await t.db.query<{ n: number }>(
      `SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'ghl-sync-connection-loss' AND query LIKE 'SELECT pg_sleep%' AND state = 'active'`,
    );
    if (rows[0]!.n === 1) return;
    await new Promise((r) => setTimeout(r, 25));
  }
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
    await sleepInFlight();
    expect(await terminateBackends()).toBe(1);
    expect(await outcome).toMatchObject({ code: 'db_error', retryable: true, details: { connectionLost: true } });
    await waitFor(() => reported.length > 0);
    expect(reported.map((r) => r.state)).toEqual(['checked_out']);
    expect(uncaught).toEqual([]);
    // The dead client left the pool: the next query opens a new connection.
    expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('reports a statement outside any transaction cut by its dying backend, once', async () => {
    reported.length = 0;
    const outcome = db.query('SELECT pg_sleep(30)').then(
      () => undefined,
      (error: unknown) => error,
    );
    await sleepInFlight();
    expect(await terminateBackends()).toBe(1);
    expect(await outcome).toMatchObject({ code: 'db_error', retryable: true, details: { connectionLost: true } });
    // The statement's report comes with its rejection; a late `error` event of the same client adds none.
    expect(reported.map((r) => r.state)).toEqual(['checked_out']);
    await new Promise((r) => setTimeout(r, 200));
    expect(reported.map((r) => r.state)).toEqual(['checked_out']);
    expect(uncaught).toEqual([]);
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

function row(id: string, name: string): OpportunityRow {
  return {
    id,
    name,
    monetaryValue: '100',
    status: 'open',
    pipelineId: 'p1',
    pipelineStageId: 's1',
    contactId: null,
    assignedTo: null,
    source: null,
    lostReasonId: null,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-02T00:00:00.000Z',
    lastStatusChangeAt: null,
    lastStageChangeAt: null,
    customFields: [],
    raw: { id, name },
  };
}

describe('a page write whose connection dies mid-transaction', () => {
  it('is rolled back by Postgres; the retry writes the page and counts it once', async () => {
    const locationId = 'loc-cut';
    await upsertLocation(t.db, { id: locationId, accessToken: 'pit-x' }, t.tokens);
    // The page's last record is stored already; another session holds its row lock, so the page's
    // upsert stops there with the page row locked and the first two records written.
    await writeOpportunityRecord(t.db, {
      locationId,
      opportunity: row('cut-3', 'old'),
      contact: null,
      fetchedAt: new Date(),
    });
    const run = await createRun(t.db, { locationId, trigger: 'test' });
    await transitionRun(t.db, run.id, 'listing');
    const rows = [
      row('cut-1', 'one'),
      row('cut-2', 'two'),
      { ...row('cut-3', 'new'), updatedAt: '2025-01-03T00:00:00.000Z' },
    ];
    await recordListedPage(t.db, {
      runId: run.id,
      pageNo: 1,
      partition: null,
      chainPageNo: 1,
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
    const input = {
      runId: run.id,
      pageNo: 1,
      locationId,
      opportunities: rows,
      contacts: [],
      recordErrors: [],
      fetched: rows.length,
      duplicates: 0,
      apiCalls: 1,
    };

    const locker = await t.db.pool.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`SELECT 1 FROM ghl.opportunities WHERE id = 'cut-3' FOR UPDATE`);
      const write = writeOpportunityPage(db, input).then(
        () => undefined,
        (error: unknown) => error,
      );
      let waiting = false;
      for (let i = 0; i < 400 && !waiting; i++) {
        const { rows: w } = await t.db.query<{ n: number }>(
          `SELECT count(*) AS n FROM pg_stat_activity
           WHERE application_name = 'ghl-sync-connection-loss' AND state = 'active' AND wait_event_type = 'Lock'`,
        );
        waiting = w[0]!.n === 1;
        if (!waiting) await new Promise((r) => setTimeout(r, 25));
      }
      expect(waiting).toBe(true);
      expect(await terminateBackends()).toBeGreaterThanOrEqual(1);
      expect(await write).toMatchObject({ code: 'db_error', retryable: true, details: { connectionLost: true } });
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
    }

    // Rolled back: neither the new rows nor the page's counts are there.
    const stored = await t.db.query<{ id: string; name: string }>(
      `SELECT id, name FROM ghl.opportunities WHERE location_id = $1 ORDER BY id`,
      [locationId],
    );
    expect(stored.rows).toEqual([{ id: 'cut-3', name: 'old' }]);
    expect(await getPage(t.db, run.id, 1)).toMatchObject({ status: 'listed', inserted: 0, updated: 0 });

    // The retry (the job run again) writes the page once; a further copy changes nothing.
    expect(await writeOpportunityPage(db, input)).toEqual({
      inserted: 2,
      updated: 1,
      unchanged: 0,
      alreadyDone: false,
    });
    expect(await writeOpportunityPage(db, input)).toEqual({ inserted: 2, updated: 1, unchanged: 0, alreadyDone: true });
    expect(await getPage(t.db, run.id, 1)).toMatchObject({ status: 'done', inserted: 2, updated: 1, unchanged: 0 });
    expect(uncaught).toEqual([]);
  });
});

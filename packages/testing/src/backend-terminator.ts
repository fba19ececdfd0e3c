import type { Db } from '@ghl-sync/db';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The backend states an operator's failover script terminates (`pg_stat_activity.state`). */
export type BackendState = 'active' | 'idle in transaction' | 'idle in transaction (aborted)' | 'idle';

/** Options for {@link startBackendTerminator}. */
export interface BackendTerminatorOptions {
  /**
   * A pool on the database whose backends are terminated (only backends of that database are): the
   * test's own database, never a shared one. Its own backends are never terminated.
   */
  db: Db;
  /** Only backends whose `application_name` is one of these (e.g. `ghl-sync-worker`). */
  applications: string[];
  /** Backend states to terminate. @defaultValue every state in {@link BackendState} */
  states?: BackendState[];
  /** Pause between two rounds, drawn uniformly from [minMs, maxMs]. @defaultValue 1_000–2_000 */
  intervalMs?: { minMs: number; maxMs: number };
  /**
   * After the pause, wait (polling every 10 ms, at most `maxMs`) until one of the backends is busy
   * (`active` or `idle in transaction`) before terminating: the statements of a sync are short,
   * and a round that only ever finds idle connections would not test what a failover does to work in
   * flight. @defaultValue 1_000; 0 = terminate at once
   */
  waitForBusyMs?: number;
  /** Count a backend as busy only while its statement matches this `LIKE` pattern. @defaultValue any statement */
  busyQuery?: string;
}

/** One terminated backend. */
export interface Termination {
  pid: number;
  application: string;
  state: BackendState;
  /** First 80 characters of the statement it ran (or last ran, when idle). */
  query: string;
  /** Whether that statement matched `busyQuery` (always, without one). */
  matched: boolean;
  /** `Date.now()` of the round. */
  at: number;
}

/** A running terminator. */
export interface BackendTerminator {
  /** Every backend terminated so far. */
  terminations: Termination[];
  /** Rounds run so far (a round may find nothing to terminate). */
  rounds(): number;
  /** Stops after the round in progress; resolves with every termination. */
  stop(): Promise<Termination[]>;
}

/**
 * What an operator does during a managed-Postgres failover, repeated: every 1–2 s (once one of the
 * backends is busy), one statement terminates every backend of the given applications in the given
 * states (`pg_terminate_backend`), on `db`'s database only, never the statement's own backend nor
 * another application's (so a test database on a shared Postgres is safe to fault).
 */
export function startBackendTerminator(options: BackendTerminatorOptions): BackendTerminator {
  const states = options.states ?? ['active', 'idle in transaction', 'idle in transaction (aborted)', 'idle'];
  const { minMs, maxMs } = options.intervalMs ?? { minMs: 1_000, maxMs: 2_000 };
  const terminations: Termination[] = [];
  let rounds = 0;
  let stopped = false;
  type Row = {
    pid: number;
    application: string;
    state: BackendState;
    query: string;
    matched: boolean;
    terminated: boolean;
  };
  // One statement checks for a busy backend and terminates: pg_stat_activity is one snapshot per
  // statement, so a statement seen in flight is cut before it can finish (unless `force`: no check).
  const terminate = (force: boolean) =>
    options.db
      .query<Row>(
        `SELECT pid, application_name AS application, state, left(query, 80) AS query, query LIKE $3 AS matched,
                pg_terminate_backend(pid) AS terminated
         FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()
           AND application_name = ANY($1::text[]) AND state = ANY($2::text[])
           AND ($4 OR EXISTS (SELECT 1 FROM pg_stat_activity b
                              WHERE b.datname = current_database() AND b.application_name = ANY($1::text[])
                                AND b.state IN ('active', 'idle in transaction') AND b.query LIKE $3))`,
        [options.applications, states, options.busyQuery ?? '%', force],
      )
      .then(
        (r) => r.rows,
        () => [] as Row[],
      );
  const loop = (async () => {
    while (!stopped) {
      await sleep(minMs + Math.random() * (maxMs - minMs));
      if (stopped) break;
      const busyDeadline = Date.now() + (options.waitForBusyMs ?? 1_000);
      let rows: Row[] = [];
      for (;;) {
        const force = stopped || Date.now() >= busyDeadline;
        rows = await terminate(force);
        if (rows.length > 0 || force) break;
        await sleep(10);
      }
      const at = Date.now();
      rounds += 1;
      for (const r of rows)
        if (r.terminated)
          terminations.push({
            pid: r.pid,
            application: r.application,
            state: r.state,
            query: r.query,
            matched: r.matched,
            at,
          });
    }
  })();
  return {
    terminations,
    rounds: () => rounds,
    async stop() {
      stopped = true;
      await loop;
      return terminations;
    },
  };
}

/** Terminations per state, e.g. `{ active: 12, idle: 30 }`. */
export function countByState(terminations: Termination[]): Partial<Record<BackendState, number>> {
  const counts: Partial<Record<BackendState, number>> = {};
  for (const t of terminations) counts[t.state] = (counts[t.state] ?? 0) + 1;
  return counts;
}

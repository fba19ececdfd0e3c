import pg from 'pg';
import { GhlSyncError } from '@ghl-sync/errors';
import { traceStatement } from './trace-statement.js';

/** The logger shape the db package needs (a pino logger fits). */
export interface DbLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Options for {@link createDb}. */
export interface CreateDbOptions {
  /** PostgreSQL URL, e.g. `postgres://postgres@127.0.0.1:5432/ghl_sync`. */
  connectionString: string;
  /** Pool size. @defaultValue 10 */
  max?: number;
  /** Shown in `pg_stat_activity`. @defaultValue 'ghl-sync' */
  applicationName?: string;
  logger?: DbLogger;
  /**
   * Called with every connection-level error of a pooled client (Postgres restarted, backend
   * terminated, socket reset), after the pool removed the client: `idle` when it sat in the pool,
   * `checked_out` when a query or transaction held it (the statement in flight, or the next one,
   * rejects with `db_error`). Never thrown. Use it to count; it is logged already.
   */
  onConnectionError?: (err: Error, state: 'idle' | 'checked_out') => void;
}

/** A query runner: the pool itself or one checked-out client inside a transaction. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** The database handle every repository function takes. */
export interface Db extends Queryable {
  readonly pool: pg.Pool;
  /** Runs `fn` in BEGIN/COMMIT on one client; ROLLBACK on throw; the client is always released. */
  withTransaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Ends the pool; idempotent. */
  close(): Promise<void>;
}

const INT8_OID = 20;

// Counts (count(*), sums) come back as int8; pg returns those as strings to be safe. Ours never
// exceed 2^53, so parse them to numbers, and fail loudly rather than round if one ever does.
// NUMERIC (money) is left as a string: exact.
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') {
      return (value: string) => {
        const n = Number(value);
        if (!Number.isSafeInteger(n))
          throw new GhlSyncError('internal_error', `int8 value ${value} exceeds Number.MAX_SAFE_INTEGER`);
        return n;
      };
    }
    return pg.types.getTypeParser(oid, format);
  },
};

/**
 * Builds the pg pool. A connection that dies never crashes the process: node-postgres emits
 * `error` on the client whether it sits idle in the pool or is checked out (a query in flight, a
 * transaction open, between two statements of one), and an `error` event without a listener is
 * thrown. Every client gets a listener as it connects, so the error is logged and reported to
 * `onConnectionError`, the query in flight rejects with `db_error` (retryable), the dead client
 * is dropped from the pool, and the next query opens a new connection.
 */
export function createDb(options: CreateDbOptions): Db {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'ghl-sync',
    types: types as unknown as pg.CustomTypesConfig,
  });
  const log = options.logger;
  const target = { database: databaseName(options.connectionString) };
  const checkedOut = new WeakSet<pg.PoolClient>();
  pool.on('acquire', (client) => checkedOut.add(client));
  // A client released with an error is dropped by the pool; its own `error` event (the socket's
  // end) often comes after the release, and still belongs to the query that was using it.
  pool.on('release', (err, client) => {
    if (!err) checkedOut.delete(client);
  });
  // One report per lost connection, whichever sees it first: the client's `error` event, or the
  // statement that failed on it. node-postgres emits no `error` for a client whose statement was
  // refused by the dying backend (57P01) and which the pool then ends, so the statement must report
  // too: without it a cut pass-1 statement or API query was neither logged nor counted.
  const reported = new WeakSet<pg.ClientBase>();
  const report = (client: pg.ClientBase, err: Error, state: 'idle' | 'checked_out') => {
    if (reported.has(client)) return;
    reported.add(client);
    const code = (err as { code?: string }).code;
    log?.warn({ err: { message: err.message, code }, state }, 'postgres connection lost');
    options.onConnectionError?.(err, state);
  };
  pool.on('connect', (client) => {
    client.on('error', (err) => report(client, err, checkedOut.has(client) ? 'checked_out' : 'idle'));
  });
  // The pool re-emits an idle client's error after removing the client; the listener above has
  // logged and reported it already. Without a listener here the re-emit would be thrown.
  pool.on('error', () => undefined);

  const query = async <R extends pg.QueryResultRow>(client: pg.PoolClient, text: string, params?: unknown[]) => {
    const started = performance.now();
    try {
      const result = await traceStatement(target, text, () => client.query<R>(text, params as unknown[]));
      // Parameters are never logged: they may hold tokens and raw customer records.
      log?.debug({ sql: firstLine(text), rows: result.rowCount, ms: Math.round(performance.now() - started) }, 'query');
      return result;
    } catch (err) {
      const wrapped = wrapPgError(err, text);
      if (isConnectionLost(wrapped)) report(client, err as Error, 'checked_out');
      throw wrapped;
    }
  };
  const connect = () =>
    pool.connect().catch((err: unknown) => {
      throw wrapPgError(err, 'connect');
    });

  let closed = false;
  return {
    pool,
    // As pool.query does, with the client in hand so a lost connection is reported once.
    async query(text, params) {
      const client = await connect();
      let lost: Error | undefined;
      try {
        return await query(client, text, params);
      } catch (err) {
        // Released with the error, the pool drops the dead client instead of handing it out again.
        if (isConnectionLost(err)) lost = err as Error;
        throw err;
      } finally {
        client.release(lost);
      }
    },
    async withTransaction(fn) {
      const client = await connect();
      // A connection that died mid-transaction was rolled back by Postgres; the client is then
      // released with the error so the pool drops it instead of handing it out again.
      let broken: Error | undefined;
      try {
        await query(client, 'BEGIN');
        const result = await fn({ query: (text, params) => query(client, text, params) });
        await query(client, 'COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch((rollbackErr: Error) => (broken = rollbackErr));
        throw err;
      } finally {
        client.release(broken);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

function isConnectionLost(err: unknown): boolean {
  return err instanceof GhlSyncError && err.details['connectionLost'] === true;
}

/** The database a connection URL names (`db.namespace` of the statement spans). */
function databaseName(connectionString: string): string {
  try {
    return decodeURIComponent(new URL(connectionString).pathname.slice(1));
  } catch {
    return '';
  }
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]!.slice(0, 120);
}

/**
 * Postgres errors become `db_error` (retryable; with `details.connectionLost` when the connection,
 * not the statement, failed: see `isConnectionLoss`) unless they are ours already, or a data exception
 * (SQLSTATE class 22: a NUL in a text value, an integer out of range, an invalid date): those say
 * a value can never be stored, so they become `invalid_argument` (not retryable; an API answers
 * 400), with Postgres' message and no SQL.
 */
function wrapPgError(err: unknown, text: string): unknown {
  if (err instanceof GhlSyncError) return err;
  const e = err as { message?: string; code?: string; constraint?: string };
  if (typeof e.code === 'string' && e.code.startsWith('22')) {
    return new GhlSyncError('invalid_argument', `Postgres refused a value: ${e.message ?? String(err)}`, {
      cause: err,
      details: { pgCode: e.code },
    });
  }
  return new GhlSyncError('db_error', `Postgres: ${e.message ?? String(err)}`, {
    cause: err,
    details: {
      pgCode: e.code,
      constraint: e.constraint,
      sql: firstLine(text),
      ...(isConnectionLevel(e) && { connectionLost: true }),
    },
  });
}

/**
 * SQLSTATEs that end or refuse the session rather than fail the statement: class 08 (connection
 * exception), 57P01 (terminated by an administrator: `pg_terminate_backend`, a fast shutdown),
 * 57P02 (crash shutdown), 57P03 (cannot connect now: starting up or shutting down).
 */
const SESSION_ENDED = /^(08|57P0[123]$)/;
/** Socket errors of the connection itself. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);
/** What node-postgres says when the socket closed under a query, or a query came after that. */
const CLIENT_MESSAGES = ['Connection terminated', 'Client has encountered a connection error and is not queryable'];

/**
 * True when the error is the connection's, not the statement's: Postgres ended or refused the
 * session, the socket failed, or node-postgres saw the socket close. The statement may be retried
 * on a new connection (a transaction it was part of was rolled back by Postgres).
 */
function isConnectionLevel(e: { message?: string; code?: string }): boolean {
  if (typeof e.code === 'string') return SESSION_ENDED.test(e.code) || SOCKET_CODES.has(e.code);
  return CLIENT_MESSAGES.some((m) => e.message?.startsWith(m) === true);
}

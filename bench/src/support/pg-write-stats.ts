import pg from 'pg';
import { sleep } from './format.js';

/** Row and transaction counters of one database, from `pg_stat_database`. */
export interface PgWriteStats {
  inserted: number;
  updated: number;
  deleted: number;
  commits: number;
}

/**
 * Reads the counters of the database `url` names, on a connection of its own. Backends report
 * their counts at most once a second and when they exit, so this waits 1.5 s first: call it after
 * the workers stopped (their counts are in) and before they start.
 */
export async function readPgWriteStats(url: string): Promise<PgWriteStats> {
  await sleep(1_500);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ ins: string; upd: string; del: string; xact: string }>(
      `SELECT tup_inserted AS ins, tup_updated AS upd, tup_deleted AS del, xact_commit AS xact
         FROM pg_stat_database WHERE datname = current_database()`,
    );
    const r = rows[0]!;
    return { inserted: Number(r.ins), updated: Number(r.upd), deleted: Number(r.del), commits: Number(r.xact) };
  } finally {
    await client.end();
  }
}

/** `after − before`, field by field. */
export function diffPgWriteStats(before: PgWriteStats, after: PgWriteStats): PgWriteStats {
  return {
    inserted: after.inserted - before.inserted,
    updated: after.updated - before.updated,
    deleted: after.deleted - before.deleted,
    commits: after.commits - before.commits,
  };
}

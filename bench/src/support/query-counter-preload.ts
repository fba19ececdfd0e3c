/**
 * Preloaded into worker processes with `NODE_OPTIONS=--import=<this file>` (set `BENCH_QUERY_LOG`
 * to a file path): counts every SQL statement the process sends through `pg` and the time spent
 * in each kind, and rewrites the totals to that file every second and at exit. Postgres here has
 * no `pg_stat_statements` preloaded, so counting at the client is the exact alternative. The
 * bench only reads it; the product is not changed.
 */
import { writeFileSync } from 'node:fs';
import pg from 'pg';

/** Totals per statement kind, as written to `BENCH_QUERY_LOG`. */
export interface QueryCounts {
  total: number;
  byKind: Record<string, { count: number; ms: number; rows: number }>;
}

const target = process.env['BENCH_QUERY_LOG'];
if (target) {
  const counts: QueryCounts = { total: 0, byKind: {} };
  const kindOf = (text: string): string => {
    if (text.includes('INSERT INTO ghl.opportunities')) return 'page upsert';
    const head = /^\s*(?:WITH\s+\w+\s+AS\s*\(\s*)?(\w+)/i.exec(text)?.[1]?.toUpperCase() ?? '?';
    return head;
  };
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function countedQuery(this: unknown, ...args: unknown[]) {
    const first = args[0];
    const text =
      typeof first === 'string'
        ? first
        : typeof (first as { text?: unknown })?.text === 'string'
          ? (first as { text: string }).text
          : '';
    const kind = kindOf(text);
    const entry = (counts.byKind[kind] ??= { count: 0, ms: 0, rows: 0 });
    counts.total += 1;
    entry.count += 1;
    const started = performance.now();
    // pg.Pool#query calls client.query(text, values, callback): time the callback form too.
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      args[args.length - 1] = (...cbArgs: unknown[]) => {
        entry.ms += performance.now() - started;
        return (last as (...a: unknown[]) => unknown)(...cbArgs);
      };
    }
    const result = original.apply(this, args);
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      (result as Promise<{ rows?: Array<Record<string, unknown>> }>).then(
        (res) => {
          entry.ms += performance.now() - started;
          // The page upsert returns one row of counts: credit the rows it wrote.
          const row = res?.rows?.[0];
          if (kind === 'page upsert' && row) entry.rows += Number(row['inserted'] ?? 0) + Number(row['updated'] ?? 0);
        },
        () => {
          entry.ms += performance.now() - started;
        },
      );
    }
    return result;
  };
  const flush = () => {
    try {
      writeFileSync(target, JSON.stringify(counts));
    } catch {
      /* bench gone */
    }
  };
  setInterval(flush, 1_000).unref();
  process.on('exit', flush);
}

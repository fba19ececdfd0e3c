import { existsSync, readFileSync } from 'node:fs';
import type { QueryCounts } from './query-counter-preload.js';

/** Sums the query counts the preloaded workers wrote to `<dir>/<worker>.json`. */
export function readQueryCounts(dir: string, workerNames: string[]): QueryCounts {
  const sum: QueryCounts = { total: 0, byKind: {} };
  for (const name of workerNames) {
    const file = `${dir}/${name}.json`;
    if (!existsSync(file)) continue;
    const counts = JSON.parse(readFileSync(file, 'utf8')) as QueryCounts;
    sum.total += counts.total;
    for (const [kind, c] of Object.entries(counts.byKind)) {
      const entry = (sum.byKind[kind] ??= { count: 0, ms: 0, rows: 0 });
      entry.count += c.count;
      entry.ms += c.ms;
      entry.rows += c.rows;
    }
  }
  return sum;
}

import pg from 'pg';
import { createSeedHttp, fetchSeedPage } from './fetch-page.js';
import type { SeedBaselineOptions, SeedBaselineResult } from './seed-baseline-options.js';
import { writeSeedRecord } from './write-record.js';

/**
 * A faithful re-implementation of the seed script's approach, as the baseline ghl-sync is
 * measured against. One loop: fetch a page, remember every id in an in-memory Set, check and
 * write each record on its own (SELECT, then INSERT or UPDATE) five at a time, sleep 200 ms, next
 * page. At the end the Set is used to tombstone rows that were not seen.
 *
 * One deviation, forced by the API: the seed script asked for `page=N`, but `page` only echoes
 * (ghl-api.md §1.3; the sandbox returns page 1 again, which the baseline checks and reports), so
 * it pages with the `startAfter`/`startAfterId` cursor instead. Everything else is kept.
 */
export async function runSeedBaseline(options: SeedBaselineOptions): Promise<SeedBaselineResult> {
  const limit = options.limit ?? 100;
  const writeConcurrency = options.writeConcurrency ?? 5;
  const pageSleepMs = options.pageSleepMs ?? 200;
  const maxPages = options.maxPages ?? 10_000;
  const http = createSeedHttp(options.baseUrl, options.token);
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: writeConcurrency,
    application_name: 'seed-baseline',
  });
  let requests = 0;
  let queries = 0;
  const counted = () => {
    requests += 1;
  };
  const result = { pages: 0, inserted: 0, updated: 0, tombstoned: 0 };
  const seenIds = new Set<string>();
  try {
    // Page numbers first, as the seed script did: does page 2 differ from page 1? (Not timed.)
    const p1 = await fetchSeedPage(http, { locationId: options.locationId, limit, page: 1 }, () => undefined);
    const p2 = await fetchSeedPage(http, { locationId: options.locationId, limit, page: 2 }, () => undefined);
    const pageNumbersDoNotPage = p1.opportunities[0]?.['id'] === p2.opportunities[0]?.['id'];

    const started = Date.now();
    let cursor: { startAfter: number; startAfterId: string } | undefined;
    while (result.pages < maxPages) {
      const page = await fetchSeedPage(http, { locationId: options.locationId, limit, cursor }, counted);
      if (page.opportunities.length === 0) break;
      result.pages += 1;
      for (const o of page.opportunities) if (typeof o['id'] === 'string') seenIds.add(o['id']);
      for (let i = 0; i < page.opportunities.length; i += writeConcurrency) {
        const batch = page.opportunities.slice(i, i + writeConcurrency);
        const done = await Promise.all(batch.map((record) => writeSeedRecord(pool, options.locationId, record)));
        for (const d of done) {
          queries += d.queries;
          if (d.op === 'inserted') result.inserted += 1;
          if (d.op === 'updated') result.updated += 1;
        }
      }
      if (page.opportunities.length < limit || page.startAfter === null || page.startAfterId === null) break;
      cursor = { startAfter: page.startAfter, startAfterId: page.startAfterId };
      await new Promise((r) => setTimeout(r, pageSleepMs));
    }
    const swept = await pool.query(
      `UPDATE ghl.opportunities SET deleted_at = now() WHERE location_id = $1 AND deleted_at IS NULL AND NOT (id = ANY($2::text[]))`,
      [options.locationId, [...seenIds]],
    );
    queries += 1;
    result.tombstoned = swept.rowCount ?? 0;
    return {
      wallMs: Date.now() - started,
      ...result,
      requests,
      queries,
      idsInMemory: seenIds.size,
      pageNumbersDoNotPage,
    };
  } finally {
    await pool.end();
  }
}

/** Options of the seed-script baseline (passed to its child process as JSON). */
export interface SeedBaselineOptions {
  /** GHL (sandbox) base URL. */
  baseUrl: string;
  locationId: string;
  /** Private Integration Token of the location. */
  token: string;
  /** Database the baseline writes into (a migrated ghl-sync schema of its own). */
  databaseUrl: string;
  /** Records per request, as the seed script used. @defaultValue 100 */
  limit?: number;
  /** Records written at once within a page. @defaultValue 5 */
  writeConcurrency?: number;
  /** Pause between pages, in ms. @defaultValue 200 */
  pageSleepMs?: number;
  /** Safety bound on pages. @defaultValue 10_000 */
  maxPages?: number;
}

/** What the baseline did, printed by its child process as one JSON line. */
export interface SeedBaselineResult {
  wallMs: number;
  pages: number;
  requests: number;
  /** SQL statements it issued (it counts its own). */
  queries: number;
  inserted: number;
  updated: number;
  tombstoned: number;
  /** Distinct ids held in memory at the end. */
  idsInMemory: number;
  /** `page=2` returned the same first record as `page=1`: page numbers do not page on this API. */
  pageNumbersDoNotPage: boolean;
}

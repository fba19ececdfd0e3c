import type { Db } from '@ghl-sync/db';
import type { GhlClient, GhlRequestEvent } from '@ghl-sync/ghl-client';
import type { Queues } from '@ghl-sync/queues';
import type { RequestClass } from '@ghl-sync/rate-limiter';

/** How a processor's requests wait for the location's budget (see `SyncDeps.clientFor`). */
export interface ClientForOptions {
  /** Longest wait for one request slot, in ms, before the job is delayed instead. */
  maxWaitMs: number;
  /** Who asks: a full sync (`sync`) or a webhook re-read (`record`). @defaultValue 'sync' */
  requestClass?: RequestClass;
}

/** The logger shape processors use (a pino logger fits). */
export interface SyncLogger {
  child(bindings: Record<string, unknown>): SyncLogger;
  /** The bindings of this logger and its parents (pino's `bindings()`); lets {@link bindOnce} skip repeats. */
  bindings?(): Record<string, unknown>;
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Everything the coordinator, page and finalize processors need; built once per worker process. */
export interface SyncDeps {
  db: Db;
  queues: Queues;
  logger: SyncLogger;
  /**
   * Builds a GHL client for one location (its credential, the shared rate limiter). `maxWaitMs`
   * caps how long one request may wait for the location's budget before the caller is told to
   * delay its job instead; `requestClass` (default `sync`) is `record` for webhook re-reads, which
   * a running sync caps at `RECORD_BUDGET_SHARE` of the budget.
   */
  clientFor(locationId: string, options: ClientForOptions): Promise<GhlClient>;
  /** How long a run may go on before it is cancelled as `timed_out`, in ms (RUN_DEADLINE_MINUTES). */
  runDeadlineMs: number;
  /** Opportunities per search page (GHL max 100). @defaultValue 100 */
  pageSize: number;
  sweep: {
    /** Largest share of live rows one sweep may tombstone without allow-mass-delete. */
    maxDeleteRatio: number;
    /** Allowed relative gap between distinct ids listed and `meta.total`. */
    totalTolerance: number;
    /** Allowed absolute gap, in records. */
    totalToleranceAbs: number;
    /**
     * Most candidates a sweep confirms one by one with `GET /opportunities/{id}` (SWEEP_VERIFY_MAX,
     * capped by SWEEP_VERIFY_BUDGET_SHARE of the daily budget); above it the guards decide. 0 = never verify.
     */
    verifyMax: number;
    /**
     * Most verification GETs in flight at once (SWEEP_VERIFY_CONCURRENCY); fewer when GHL answers
     * fast (see `chooseChainCount`). @defaultValue 16
     */
    verifyConcurrency: number;
  };
  /** How pass 1 chooses its cursor chains (see `chooseChainCount`). */
  listing: {
    /** Requests per second the location's budget allows: RATE_LIMIT_MAX ÷ interval × (1 − safety margin). */
    requestsPerSecond: number;
    /** Fewest chains pass 1 uses (LISTING_MIN_CHAINS). @defaultValue 1 */
    minChains: number;
    /** Most chains pass 1 runs at once (LISTING_MAX_CHAINS); 1 = never partition. */
    maxChains: number;
  };
  /** Metrics hook for every GHL request. */
  onRequest?: (event: GhlRequestEvent) => void;
  /** Metrics hook for every page write. */
  onPageWritten?: (counts: { inserted: number; updated: number; unchanged: number }) => void;
  /** Metrics hook for every sweep. */
  onSwept?: (deleted: number) => void;
  /**
   * Metrics hook for every record job of a delivery (not a replay): what it did to the row and, per
   * stored event it applied, ms from receipt to the row written.
   */
  onRecordApplied?: (applied: { outcome: string; latenciesMs: number[] }) => void;
  /** Metrics hook when a run is closed. */
  onRunFinished?: (status: string, drift?: number | null) => void;
  /** Called once a run of the location is closed (see `RunLifecycleDeps.onSyncEnded`). */
  onSyncEnded?: (locationId: string) => Promise<void>;
}

/** What a processor may do with its job; declared with the worker layer in `@ghl-sync/queues`. */
export type { JobContext } from '@ghl-sync/queues';

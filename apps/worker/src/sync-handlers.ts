import {
  addRunError,
  annotateRun,
  listAgencies,
  markPageFailed,
  purgeTombstones,
  purgeWebhookEvents,
} from '@ghl-sync/db';
import { GhlSyncError } from '@ghl-sync/errors';
import type { WorkerHandlers } from '@ghl-sync/queues';
import {
  failRunForJob,
  processFinalizeJob,
  processPage,
  processRecord,
  recoverRuns,
  runCoordinator,
  type ReconcileAgencyResult,
  type SyncDeps,
} from '@ghl-sync/sync';

/** Options for {@link createSyncHandlers}. */
export interface SyncHandlersOptions {
  deps: SyncDeps;
  /** Page jobs this process runs at once. @defaultValue the catalog's hint (8) */
  pageConcurrency?: number;
  /** Coordinator jobs this process runs at once. @defaultValue the catalog's hint (16) */
  coordinatorConcurrency?: number;
  /** Total time a page job may spend delayed for its location's budget, in ms. */
  maxRateLimitWaitMs: number;
  /** Age after which tombstones are purged by the maintenance job, in days. */
  tombstoneRetentionDays: number;
  /** Runs younger than this are left alone by recovery, in ms. @defaultValue 120_000 */
  recoveryGraceMs?: number;
  /** Called with every delay a job takes to wait for its location's budget, in ms (metrics). */
  onRateLimitDelay?: (delayMs: number) => void;
  /**
   * Reconciles one agency's installed locations (`reconcileAgency` with this process's deps);
   * absent when the OAuth app is not configured, and then agency jobs fail with `config_invalid`.
   */
  reconcileAgency?: (agencyId: string) => Promise<ReconcileAgencyResult>;
}

/** The sync processors, one per queue of the catalog, for `createWorkers(QUEUES, handlers)`. */
export function createSyncHandlers(options: SyncHandlersOptions): WorkerHandlers {
  const { deps } = options;
  return {
    coordinator: {
      concurrency: options.coordinatorConcurrency,
      process: (data, ctx) => runCoordinator({ ...deps, logger: ctx.logger }, data, ctx.job),
      onDelayed: async (data, error) => {
        if (data.runId && error.code === 'daily_quota_exhausted')
          await annotateRun(deps.db, data.runId, error.code, error.message);
      },
      // Scheduled fires carry no runId: the run is found by its coordinator job id.
      onFinalFailure: async ({ data, error, job, logger }) => {
        await failRunForJob({ ...deps, logger }, { runId: data?.runId, jobId: job.jobId }, error);
      },
    },
    page: {
      concurrency: options.pageConcurrency,
      maxRateLimitWaitMs: options.maxRateLimitWaitMs,
      process: (data, ctx) => processPage({ ...deps, logger: ctx.logger }, data, ctx.job),
      onDelayed: async (data, error, delayMs) => {
        options.onRateLimitDelay?.(delayMs);
        if (error.code === 'daily_quota_exhausted') await annotateRun(deps.db, data.runId, error.code, error.message);
      },
      onFinalFailure: async ({ data, error, logger }) => {
        if (!data) return;
        await markPageFailed(deps.db, data.runId, data.pageNo, error.code, error.message, 0);
        await addRunError(deps.db, data.runId, { pageNo: data.pageNo, code: error.code, message: error.message });
        logger.error(
          { page: data.pageNo, code: error.code },
          `[Page ${data.pageNo}] failed for good: ${error.message}`,
        );
      },
    },
    record: {
      maxRateLimitWaitMs: options.maxRateLimitWaitMs,
      process: (data, ctx) => processRecord({ ...deps, logger: ctx.logger }, data, ctx.job),
      onDelayed: async (_data, _error, delayMs) => {
        options.onRateLimitDelay?.(delayMs);
      },
      // The events stay stored and unapplied: the next full run repairs the row, `webhooks replay` retries.
      onFinalFailure: async ({ data, error, logger }) => {
        logger.error(
          { locationId: data?.locationId, opportunityId: data?.opportunityId, code: error.code },
          `webhook apply failed for good: ${error.message}`,
        );
      },
    },
    finalize: {
      process: (data, ctx) => processFinalizeJob({ ...deps, logger: ctx.logger }, data),
    },
    maintenance: {
      process: async (data, ctx) => {
        if (data.task === 'purge_tombstones') {
          const purged = await purgeTombstones(deps.db, options.tombstoneRetentionDays);
          // Stored webhook events are kept as long as tombstones: replay and audits read them.
          const purgedEvents = await purgeWebhookEvents(deps.db, options.tombstoneRetentionDays);
          ctx.logger.info(
            { purged, purgedEvents, retentionDays: options.tombstoneRetentionDays },
            'tombstones and old webhook events purged',
          );
          return { purged, purgedEvents };
        }
        if (data.task === 'flow_gate') return { released: data.runId ?? null };
        if (data.task === 'reconcile_agencies') {
          // One job per agency, so one agency's failure (a refused Company token) retries alone. A
          // deployment without agencies (PIT locations only) does nothing here, configured or not.
          const agencies = (await listAgencies(deps.db)).filter((a) => !a.needsReconnect);
          for (const agency of agencies) await deps.queues.enqueueAgencyReconcile(agency.id);
          return { agencies: agencies.length };
        }
        if (data.task === 'reconcile_agency') {
          if (!options.reconcileAgency)
            throw new GhlSyncError(
              'config_invalid',
              'agency installs need GHL_OAUTH_CLIENT_ID, GHL_OAUTH_CLIENT_SECRET and GHL_OAUTH_APP_ID on the workers',
            );
          if (!data.agencyId) throw new GhlSyncError('invalid_argument', 'reconcile_agency without agencyId');
          const result = await options.reconcileAgency(data.agencyId);
          // The queue's deduplication keeps two reconciles of one agency from overlapping, so the
          // lease is held here only by a process that died in the middle of one (until its TTL):
          // try again after the backoff rather than drop the INSTALL that asked for this one.
          if (result.skipped === 'in_progress')
            throw new GhlSyncError(
              'agency_reconcile_in_progress',
              `agency ${data.agencyId} is being reconciled by another process: this reconcile runs again after it`,
            );
          return result;
        }
        return recoverRuns({ ...deps, logger: ctx.logger }, { graceMs: options.recoveryGraceMs });
      },
    },
  };
}

import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { addRunError, annotateRun, markPageFailed, purgeTombstones } from '@ghl-sync/db';
import { CONCURRENCY_HINTS, JOB_SCHEMAS, QUEUE_NAMES } from '@ghl-sync/queues';
import {
  failRunForJob,
  processFinalizeJob,
  processPage,
  recoverRuns,
  runCoordinator,
  type SyncDeps,
} from '@ghl-sync/sync';
import { handleJobError } from './handle-job-error.js';
import { jobContext } from './job-context.js';

/** Options for {@link createWorkers}. */
export interface CreateWorkersOptions {
  deps: SyncDeps;
  /** A worker-role connection (`maxRetriesPerRequest: null`); BullMQ duplicates it for blocking calls. */
  connection: Redis;
  prefix: string;
  /** Page jobs this process runs at once. @defaultValue `CONCURRENCY_HINTS.page` (8) */
  pageConcurrency?: number;
  /** Coordinator jobs this process runs at once. @defaultValue `CONCURRENCY_HINTS.coordinator` (16) */
  coordinatorConcurrency?: number;
  /** Total time a job may spend delayed for its location's budget, in ms. */
  maxRateLimitWaitMs: number;
  /** Age after which tombstones are purged by the maintenance job, in days. */
  tombstoneRetentionDays: number;
  /** Runs younger than this are left alone by recovery, in ms. @defaultValue 120_000 */
  recoveryGraceMs?: number;
  /** BullMQ lock duration and stalled-check interval, in ms. @defaultValue 30_000 */
  jobLockMs?: number;
  /** Called with every delay a job takes to wait for its location's budget, in ms (metrics). */
  onRateLimitDelay?: (delayMs: number) => void;
}

/** The workers of one process. */
export interface Workers {
  all: Worker[];
  run(): void;
  /** Stops taking jobs and waits for active ones (BullMQ `Worker.close`). */
  close(force?: boolean): Promise<void>;
}

/** Builds a Worker per queue with the sync processors. */
export function createWorkers(options: CreateWorkersOptions): Workers {
  const { deps } = options;
  const lockMs = options.jobLockMs ?? 30_000;
  // A job whose worker died is moved back to waiting by the stalled check once its lock expires.
  const common = {
    connection: options.connection,
    prefix: options.prefix,
    autorun: false,
    lockDuration: lockMs,
    stalledInterval: lockMs,
  };

  const coordinator = new Worker(
    QUEUE_NAMES.coordinator,
    async (job: Job, token?: string) => {
      const data = JOB_SCHEMAS.coordinator.parse(job.data);
      try {
        return await runCoordinator({ ...deps, logger: deps.logger.child({ jobId: job.id }) }, data, jobContext(job));
      } catch (err) {
        return handleJobError(err, {
          job,
          token,
          maxRateLimitWaitMs: Number.MAX_SAFE_INTEGER,
          onDelayed: async (error) => {
            if (data.runId && error.code === 'daily_quota_exhausted')
              await annotateRun(deps.db, data.runId, error.code, error.message);
          },
          onFinalFailure: async (error) => {
            await failRunForJob(deps, { runId: data.runId, jobId: job.id }, error);
          },
        });
      }
    },
    { ...common, concurrency: options.coordinatorConcurrency ?? CONCURRENCY_HINTS.coordinator },
  );

  const page = new Worker(
    QUEUE_NAMES.page,
    async (job: Job, token?: string) => {
      const data = JOB_SCHEMAS.page.parse(job.data);
      try {
        return await processPage({ ...deps, logger: deps.logger.child({ jobId: job.id }) }, data, jobContext(job));
      } catch (err) {
        return handleJobError(err, {
          job,
          token,
          maxRateLimitWaitMs: options.maxRateLimitWaitMs,
          onDelayed: async (error, delayMs) => {
            options.onRateLimitDelay?.(delayMs);
            if (error.code === 'daily_quota_exhausted')
              await annotateRun(deps.db, data.runId, error.code, error.message);
          },
          onFinalFailure: async (error) => {
            await markPageFailed(deps.db, data.runId, data.pageNo, error.code, error.message, 0);
            await addRunError(deps.db, data.runId, { pageNo: data.pageNo, code: error.code, message: error.message });
            deps.logger.error(
              { runId: data.runId, page: data.pageNo, jobId: job.id, code: error.code },
              `[Page ${data.pageNo}] failed for good: ${error.message}`,
            );
          },
        });
      }
    },
    { ...common, concurrency: options.pageConcurrency ?? CONCURRENCY_HINTS.page },
  );

  const finalize = new Worker(
    QUEUE_NAMES.finalize,
    async (job: Job) =>
      processFinalizeJob(
        { ...deps, logger: deps.logger.child({ jobId: job.id }) },
        JOB_SCHEMAS.finalize.parse(job.data),
      ),
    { ...common, concurrency: CONCURRENCY_HINTS.finalize },
  );

  const maintenance = new Worker(
    QUEUE_NAMES.maintenance,
    async (job: Job) => {
      const data = JOB_SCHEMAS.maintenance.parse(job.data);
      if (data.task === 'purge_tombstones') {
        const purged = await purgeTombstones(deps.db, options.tombstoneRetentionDays);
        deps.logger.info({ purged, retentionDays: options.tombstoneRetentionDays }, 'tombstones purged');
        return { purged };
      }
      if (data.task === 'flow_gate') return { released: data.runId ?? null };
      return recoverRuns(deps, { graceMs: options.recoveryGraceMs });
    },
    { ...common, concurrency: CONCURRENCY_HINTS.maintenance },
  );

  const all = [coordinator, page, finalize, maintenance];
  for (const worker of all) {
    worker.on('error', (err) =>
      deps.logger.warn({ err: { message: err.message }, queue: worker.name }, 'worker connection error'),
    );
    worker.on('failed', (job, err) => {
      if (job && err.name !== 'DelayedError')
        deps.logger.warn(
          { queue: worker.name, jobId: job.id, attemptsMade: job.attemptsMade, reason: err.message },
          'job attempt failed',
        );
    });
  }
  return {
    all,
    run() {
      for (const worker of all) void worker.run();
    },
    async close(force = false) {
      await Promise.all(all.map((w) => w.close(force)));
    },
  };
}

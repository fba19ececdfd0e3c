import type { JobsOptions } from 'bullmq';
import type { z } from 'zod';
import {
  coordinatorJobSchema,
  finalizeJobSchema,
  maintenanceJobSchema,
  pageJobSchema,
  recordJobSchema,
} from './job-schemas.js';

const DAY_S = 24 * 3600;

/** Everything ghl-sync knows about one queue, declared once. */
export interface QueueSpec<S extends z.ZodType = z.ZodType, N extends string = string> {
  /**
   * WARNING: persisted identifier (Redis keys `<prefix>:<name>:*`). Renaming it orphans every job
   * in flight: drain the queue first or migrate its keys.
   */
  readonly name: string;
  /** Job names used on this queue, by role. Persisted on every job; shown in Bull Board. */
  readonly jobNames: Readonly<Record<string, N>>;
  /** Payload schema: validated on enqueue and, inside the processor's error handling, on every attempt. */
  readonly schema: S;
  /** BullMQ default job options of the queue. */
  readonly defaultJobOptions: JobsOptions;
  /** Suggested number of jobs one worker process runs at once. */
  readonly concurrency: number;
  /**
   * Deterministic job id of the queue's jobs (WARNING: persisted; changing it breaks the
   * de-duplication of jobs already in Redis).
   */
  readonly jobId?: (runKey: string, pageNo: number) => string;
  /** Deterministic id of a run's flow gate job. */
  readonly gateJobId?: (runKey: string) => string;
  /** Id of a location's job scheduler, and the prefix every such id shares. */
  readonly schedulerId?: (locationId: string) => string;
  readonly schedulerIdPrefix?: string;
  /** Fixed job scheduler ids, by role. */
  readonly schedulerIds?: Readonly<Record<string, string>>;
  /** BullMQ deduplication id of a job (WARNING: persisted in Redis while the job is pending). */
  readonly dedupeId?: (locationId: string, opportunityId: string) => string;
  /** BullMQ deduplication id of an agency's reconcile job (persisted in Redis while it is pending). */
  readonly agencyReconcileDedupeId?: (agencyId: string) => string;
  /** BullMQ job priorities by role (1 = highest). */
  readonly priorities?: Readonly<Record<string, number>>;
}

/**
 * The queue catalog: one entry per queue with its name, job names, payload schema, default job
 * options, concurrency hint, and the job and scheduler ids it uses. Queue names, job names and ids
 * are persisted in Redis: change them only with a migration of the keys in flight.
 *
 * Finished jobs are trimmed (by age and count) so Redis memory returns near its start after a run;
 * failed ones are kept longer for inspection in Bull Board.
 */
export const QUEUES = {
  /** One job per location per run: pass 1 (listing), the guarded sweep, then the page flow. */
  coordinator: {
    name: 'sync-coordinator',
    jobNames: { run: 'sync-location', scheduled: 'scheduled-sync' },
    schema: coordinatorJobSchema,
    defaultJobOptions: {
      attempts: 3,
      backoff: { type: 'exponential', delay: 5_000 },
      removeOnComplete: { age: DAY_S, count: 500 },
      removeOnFail: { age: 7 * DAY_S, count: 1_000 },
    },
    concurrency: 16,
    /** Job id of an opened run's coordinator: a second enqueue of the same run adds nothing. */
    jobId: (runKey: string) => `run-${runKey}-coordinator`,
    /** The job scheduler of a location's repeatable sync. */
    schedulerId: (locationId: string) => `schedule-${locationId}`,
    /** Prefix shared by every location scheduler id (to find stale ones). */
    schedulerIdPrefix: 'schedule-',
  },
  /** One job per listed page: re-fetch the page's key range and write it. */
  page: {
    name: 'sync-page',
    jobNames: { page: 'sync-page' },
    schema: pageJobSchema,
    defaultJobOptions: {
      attempts: 5,
      backoff: { type: 'exponential', delay: 2_000 },
      // Run history lives in Postgres; Redis keeps only the last few for the dashboard.
      removeOnComplete: { age: 3600, count: 100 },
      removeOnFail: { age: 7 * DAY_S, count: 5_000 },
      // A page that fails for good must not block the run: the finalizer still runs and counts it.
      ignoreDependencyOnFailure: true,
    },
    concurrency: 8,
    jobId: (runKey: string, pageNo: number) => `run-${runKey}-page-${pageNo}`,
  },
  /** The flow parent of a run's pages: sums the pages and closes the run. */
  finalize: {
    name: 'sync-finalize',
    jobNames: { finalize: 'finalize-run' },
    schema: finalizeJobSchema,
    defaultJobOptions: {
      attempts: 5,
      backoff: { type: 'exponential', delay: 2_000 },
      removeOnComplete: { age: DAY_S, count: 500 },
      removeOnFail: { age: 7 * DAY_S, count: 1_000 },
    },
    concurrency: 4,
    jobId: (runKey: string) => `run-${runKey}-finalize`,
  },
  /**
   * One job per opportunity with webhook events to apply: re-read it by id (or tombstone it) and
   * write it with the page upsert's rules. Events for one opportunity coalesce into one job
   * (deduplication by `dedupeId`, kept while the job is active so a later event runs once more).
   */
  record: {
    name: 'sync-record',
    jobNames: { apply: 'apply-webhook' },
    schema: recordJobSchema,
    defaultJobOptions: {
      attempts: 5,
      backoff: { type: 'exponential', delay: 1_000 },
      removeOnComplete: { age: 3600, count: 1_000 },
      removeOnFail: { age: 7 * DAY_S, count: 5_000 },
    },
    concurrency: 4,
    /** BullMQ deduplication id of an opportunity's pending record job. */
    dedupeId: (locationId: string, opportunityId: string) => `record-${locationId}-${opportunityId}`,
    /** BullMQ priorities (lower runs first): deliveries as they arrive before a replay's backlog. */
    priorities: { webhook: 1, replay: 10 },
  },
  /**
   * Housekeeping: purge old tombstones, recover runs whose coordinator died, a run's flow gate,
   * reconcile agencies' installed locations.
   */
  maintenance: {
    name: 'sync-maintenance',
    jobNames: {
      flowGate: 'flow-gate',
      purgeTombstones: 'purge-tombstones',
      recoverRuns: 'recover-runs',
      reconcileAgency: 'reconcile-agency',
      reconcileAgencies: 'reconcile-agencies',
    },
    schema: maintenanceJobSchema,
    defaultJobOptions: {
      attempts: 2,
      removeOnComplete: { age: DAY_S, count: 100 },
      removeOnFail: { age: 7 * DAY_S, count: 100 },
    },
    concurrency: 1,
    /** The child that holds a run's flow parent back until every page job is added. */
    gateJobId: (runKey: string) => `run-${runKey}-gate`,
    /** One pending reconcile per agency; one more is kept while it runs (an INSTALL it may not have seen). */
    agencyReconcileDedupeId: (agencyId: string) => `agency-reconcile-${agencyId}`,
    /** Schedulers every worker upserts at start (idempotent across processes). */
    schedulerIds: {
      purgeTombstones: 'purge-tombstones',
      recoverRuns: 'recover-runs',
      reconcileAgencies: 'reconcile-agencies',
    },
  },
} as const satisfies Record<string, QueueSpec>;

/** The queues of the catalog. */
export type QueueCatalog = typeof QUEUES;
export type QueueKey = keyof QueueCatalog;
export type QueueName = QueueCatalog[QueueKey]['name'];
/** Job names allowed on queue `K`. */
export type JobName<K extends QueueKey> = QueueCatalog[K]['jobNames'][keyof QueueCatalog[K]['jobNames']] & string;
/** Parsed payload of a job on queue `K` (defaults applied). */
export type JobData<K extends QueueKey> = z.output<QueueCatalog[K]['schema']>;
/** Payload a producer passes for queue `K` (defaults optional). */
export type JobInput<K extends QueueKey> = z.input<QueueCatalog[K]['schema']>;

/** Every queue key, in the order workers start and Bull Board lists them. */
export const QUEUE_KEYS = Object.keys(QUEUES) as QueueKey[];

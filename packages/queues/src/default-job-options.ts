import type { JobsOptions } from 'bullmq';
import type { QueueKey } from './queue-names.js';

const DAY_S = 24 * 3600;

/**
 * Default options per queue. Finished jobs are trimmed (by age and count) so Redis memory returns
 * near its start after a run; failed ones are kept longer for inspection in Bull Board.
 */
export const DEFAULT_JOB_OPTIONS: Record<QueueKey, JobsOptions> = {
  coordinator: {
    attempts: 3,
    backoff: { type: 'exponential', delay: 5_000 },
    removeOnComplete: { age: DAY_S, count: 500 },
    removeOnFail: { age: 7 * DAY_S, count: 1_000 },
  },
  page: {
    attempts: 5,
    backoff: { type: 'exponential', delay: 2_000 },
    // Run history lives in Postgres; Redis keeps only the last few for the dashboard.
    removeOnComplete: { age: 3600, count: 100 },
    removeOnFail: { age: 7 * DAY_S, count: 5_000 },
    // A page that fails for good must not block the run: the finalizer still runs and counts it.
    ignoreDependencyOnFailure: true,
  },
  finalize: {
    attempts: 5,
    backoff: { type: 'exponential', delay: 2_000 },
    removeOnComplete: { age: DAY_S, count: 500 },
    removeOnFail: { age: 7 * DAY_S, count: 1_000 },
  },
  maintenance: {
    attempts: 2,
    removeOnComplete: { age: DAY_S, count: 100 },
    removeOnFail: { age: 7 * DAY_S, count: 100 },
  },
};

/** Suggested concurrency per worker process for each queue. */
export const CONCURRENCY_HINTS: Record<QueueKey, number> = { coordinator: 16, page: 8, finalize: 4, maintenance: 1 };

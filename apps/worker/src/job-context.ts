import type { Job } from 'bullmq';
import type { JobContext } from '@ghl-sync/sync';

/** Adapts a BullMQ job to the processors' `JobContext`. */
export function jobContext(job: Job): JobContext {
  return {
    jobId: job.id,
    attemptsMade: job.attemptsMade,
    attempts: job.opts.attempts ?? 1,
    updateProgress: (progress) => job.updateProgress(progress),
  };
}

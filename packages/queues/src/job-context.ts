import type { Job } from 'bullmq';

/** What a processor may do with its job (BullMQ's Job fits through {@link jobContext}). */
export interface JobContext {
  /** The BullMQ job id (recorded on the run so recovery can find the coordinator). */
  jobId?: string;
  /** Attempts already made before this one (BullMQ `attemptsMade`). */
  attemptsMade: number;
  /** Attempts allowed in total. */
  attempts: number;
  updateProgress(progress: Record<string, unknown>): Promise<void>;
}

/** Adapts a BullMQ job to the processors' {@link JobContext}. */
export function jobContext(job: Job): JobContext {
  return {
    jobId: job.id,
    attemptsMade: job.attemptsMade,
    attempts: job.opts.attempts ?? 1,
    updateProgress: (progress) => job.updateProgress(progress),
  };
}

import type { Job } from 'bullmq';
import { QUEUES, type CoordinatorJob, type Queues } from '@ghl-sync/queues';
import { waitFor } from './wait-for.js';

/**
 * Enqueues exactly what a location's job scheduler enqueues at each fire (a coordinator job with no
 * `runId`: the coordinator opens the run itself) and returns the job.
 */
export function fireSchedule(stack: { queues: Queues }, locationId: string): Promise<Job<CoordinatorJob>> {
  return stack.queues.coordinator.add(QUEUES.coordinator.jobNames.scheduled, {
    locationId,
    trigger: 'schedule',
    mode: 'full',
    allowMassDelete: false,
  }) as Promise<Job<CoordinatorJob>>;
}

/**
 * {@link fireSchedule}, then waits until the job has finished (completed, or failed for good) and
 * returns it as stored, `returnvalue` included.
 * @throws Error after `timeoutMs` (default 30 s).
 */
export async function fireScheduleAndWait(
  stack: { queues: Queues },
  locationId: string,
  timeoutMs = 30_000,
): Promise<Job<CoordinatorJob>> {
  const fired = await fireSchedule(stack, locationId);
  return waitFor(
    'the scheduled fire to finish',
    async () => {
      const job = await stack.queues.coordinator.getJob(fired.id!);
      return job?.finishedOn ? (job as Job<CoordinatorJob>) : null;
    },
    timeoutMs,
  );
}

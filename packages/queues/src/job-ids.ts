/**
 * Job ids are scoped by run, so a new run never collides with a finished run's jobs that Redis
 * still keeps, and enqueueing the same run's jobs twice (a resumed coordinator) adds nothing.
 * WARNING: changing these breaks de-duplication of jobs already in Redis.
 */
export const jobIds = {
  coordinator: (runId: number) => `run-${runId}-coordinator`,
  page: (runId: number, pageNo: number) => `run-${runId}-page-${pageNo}`,
  finalize: (runId: number) => `run-${runId}-finalize`,
  /** The job scheduler of a location's repeatable sync. */
  scheduler: (locationId: string) => `schedule-${locationId}`,
};

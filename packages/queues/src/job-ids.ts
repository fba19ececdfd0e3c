/**
 * A run's key for job ids: its id plus its start time, so a new run never collides with jobs that
 * Redis still keeps, even if the database was recreated and run ids started again at 1.
 */
export function runKey(run: { id: number; startedAt: Date }): string {
  return `${run.id}-${run.startedAt.getTime().toString(36)}`;
}

/**
 * Job ids are scoped by run key, so enqueueing the same run's jobs twice (a resumed coordinator)
 * adds nothing, and different runs never share an id.
 * WARNING: changing these breaks de-duplication of jobs already in Redis.
 */
export const jobIds = {
  coordinator: (key: string) => `run-${key}-coordinator`,
  page: (key: string, pageNo: number) => `run-${key}-page-${pageNo}`,
  finalize: (key: string) => `run-${key}-finalize`,
  /** The job scheduler of a location's repeatable sync. */
  scheduler: (locationId: string) => `schedule-${locationId}`,
};

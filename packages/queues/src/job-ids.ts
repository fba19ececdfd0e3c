/**
 * A run's key for job ids: its id plus its start time, so a new run never collides with jobs that
 * Redis still keeps, even if the database was recreated and run ids started again at 1. A run whose
 * jobs were re-enqueued by recovery gets `-r<n>`, so recovered jobs never collide with lost ones.
 */
export function runKey(run: { id: number; startedAt: Date; recoveries?: number }): string {
  const base = `${run.id}-${run.startedAt.getTime().toString(36)}`;
  return run.recoveries ? `${base}-r${run.recoveries}` : base;
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
  /** The child that holds a run's flow parent back until every page job is added. */
  gate: (key: string) => `run-${key}-gate`,
  /** The job scheduler of a location's repeatable sync. */
  scheduler: (locationId: string) => `schedule-${locationId}`,
};

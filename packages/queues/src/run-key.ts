/**
 * A run's key for job ids: its id plus its start time, so a new run never collides with jobs that
 * Redis still keeps, even if the database was recreated and run ids started again at 1. A run whose
 * jobs were re-enqueued by recovery gets `-r<n>`, so recovered jobs never collide with lost ones.
 */
export function runKey(run: { id: number; startedAt: Date; recoveries?: number }): string {
  const base = `${run.id}-${run.startedAt.getTime().toString(36)}`;
  return run.recoveries ? `${base}-r${run.recoveries}` : base;
}

import type { FinalizeJob } from '@ghl-sync/queues';
import { finishRun } from './runs/finish-run.js';
import type { SyncDeps } from './sync-deps.js';
import { bindOnce } from './bind-once.js';

/**
 * The processor of the `finalize` queue: the flow parent of a run's page jobs, run once every page
 * job has completed or failed for good. It ends the run with {@link finishRun}.
 */
export async function processFinalizeJob(
  deps: SyncDeps,
  job: FinalizeJob,
): Promise<{ runId: number; status: string | null }> {
  const log = bindOnce(deps.logger, { runId: job.runId, locationId: job.locationId });
  const run = await finishRun(deps, job.runId, log);
  return { runId: job.runId, status: run?.status ?? null };
}

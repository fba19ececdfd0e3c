import type { FinalizeJob } from '@ghl-sync/queues';
import { finishRun } from './finish-run.js';
import type { SyncDeps } from './sync-deps.js';

/** The flow parent: runs once every page job has completed or failed for good. */
export async function finalizeRunJob(
  deps: SyncDeps,
  job: FinalizeJob,
): Promise<{ runId: number; status: string | null }> {
  const log = deps.logger.child({ runId: job.runId, locationId: job.locationId });
  const run = await finishRun(deps, job.runId, log);
  return { runId: job.runId, status: run?.status ?? null };
}

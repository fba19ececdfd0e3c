import { QUEUES, runKey, type Queues } from '@ghl-sync/queues';
import type { SyncRun } from '@ghl-sync/db';

/**
 * What Redis holds of a run's jobs (coordinator, flow parent, gate, pages): state, attempts, failed
 * reason, and the flow parent's open dependencies. Printed when a faulted run does not end, so the
 * log says which job held it back. Best effort: a read that fails is reported, not thrown.
 */
export async function describeRunJobs(queues: Queues, run: SyncRun, pages: number): Promise<string> {
  const key = runKey(run);
  const lines: string[] = [];
  const one = async (label: string, queue: keyof typeof QUEUES, id: string) => {
    try {
      const job = await queues[queue].getJob(id);
      if (!job) return lines.push(`${label} ${id}: absent`);
      const state = await job.getState();
      lines.push(
        `${label} ${id}: ${state}, attemptsMade ${job.attemptsMade}, stalled ${job.stalledCounter}` +
          (job.failedReason ? `, failedReason ${job.failedReason}` : ''),
      );
      if (queue === 'finalize') {
        const deps = await job.getDependenciesCount();
        const open = await job.getDependencies({ unprocessed: { count: 50 } });
        lines.push(`  dependencies ${JSON.stringify(deps)}; unprocessed ${JSON.stringify(open.unprocessed)}`);
      }
    } catch (err) {
      lines.push(`${label} ${id}: read failed (${(err as Error).message})`);
    }
    return lines.length;
  };
  await one('coordinator', 'coordinator', run.coordinatorJobId ?? QUEUES.coordinator.jobId(key));
  await one('finalize', 'finalize', QUEUES.finalize.jobId(key));
  await one('gate', 'maintenance', QUEUES.maintenance.gateJobId(key));
  for (let p = 1; p <= pages; p++) await one('page', 'page', QUEUES.page.jobId(key, p));
  for (const q of queues.all()) {
    try {
      const active = await q.getActive(0, 20);
      for (const job of active)
        lines.push(
          `${q.name} active ${job.id} (${job.name}) for ${job.processedOn ? Date.now() - job.processedOn : '?'} ms, attemptsMade ${job.attemptsMade}`,
        );
    } catch (err) {
      lines.push(`${q.name} active: read failed (${(err as Error).message})`);
    }
  }
  try {
    const counts = await Promise.all(
      queues.all().map(async (q) => `${q.name} ${JSON.stringify(await q.getJobCounts())}`),
    );
    lines.push(...counts);
    const workers = await Promise.all(
      queues.all().map(async (q) => `${q.name} workers ${(await q.getWorkers()).length}`),
    );
    lines.push(...workers);
  } catch (err) {
    lines.push(`counts failed (${(err as Error).message})`);
  }
  return lines.join('\n');
}

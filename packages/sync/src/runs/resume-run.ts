import { listPages, type SyncRun } from '@ghl-sync/db';
import { runTriggerSchema } from '@ghl-sync/queues';
import type { RunLifecycleDeps } from './run-lifecycle-deps.js';

/** What {@link resumeRun} enqueued. */
export type ResumedRun = { enqueued: 'coordinator' } | { enqueued: 'pages'; pages: number };

/**
 * Re-enqueues the jobs an active run needs next, after they vanished (a Redis restart without
 * persistence, a flushed queue). Everything the run did is in Postgres: a run still `writing` gets a
 * new page flow for the pages not done or failed yet; any earlier state gets a new coordinator,
 * which picks pass 1 up after the last listed page. Job ids derive from the run's `recoveries`
 * count, so the caller bumps it first (`markRunRecovered`) and the new ids never collide with the lost ones.
 */
export async function resumeRun(deps: Pick<RunLifecycleDeps, 'db' | 'queues'>, run: SyncRun): Promise<ResumedRun> {
  if (run.status === 'writing') {
    const pageNumbers = (await listPages(deps.db, run.id))
      .filter((p) => p.status !== 'done' && p.status !== 'failed')
      .map((p) => p.pageNo);
    await deps.queues.enqueuePageFlow({ run, locationId: run.locationId, pageNumbers });
    return { enqueued: 'pages', pages: pageNumbers.length };
  }
  await deps.queues.enqueueCoordinator(
    {
      locationId: run.locationId,
      runId: run.id,
      trigger: runTriggerSchema.parse(run.trigger),
      mode: run.mode,
      allowMassDelete: run.allowMassDelete,
    },
    run,
  );
  return { enqueued: 'coordinator' };
}

import {
  addRunApiCalls,
  countSweepCandidates,
  createRun,
  getLastListedPage,
  getLocation,
  getRun,
  listPageNumbers,
  recordListedPage,
  replacePipelines,
  setCoordinatorJob,
  skipSweep,
  sweepUnseen,
  transitionRun,
  ACTIVE_RUN_STATUSES,
  type SyncRun,
} from '@ghl-sync/db';
import { GhlSyncError, isGhlSyncError, type ErrorCode } from '@ghl-sync/errors';
import { iterateOpportunityPages, opportunityKey, type GhlCursor, type GhlClient } from '@ghl-sync/ghl-client';
import type { CoordinatorJob } from '@ghl-sync/queues';
import { finishRun } from './finish-run.js';
import { checkSweepGuards } from './sweep-guard.js';
import type { JobContext, SyncDeps } from './sync-deps.js';

/** What a coordinator job ended with. */
export interface CoordinatorResult {
  runId: number | null;
  /** Set when the job did nothing (a scheduled fire while a run was active, a finished run). */
  skipped?: string;
  pages?: number;
  listed?: number;
  deleted?: number;
  sweep?: 'done' | 'skipped';
}

/** Pass 1 may wait this long for one request slot; it is a single chain, so waiting is its work. */
const LISTING_MAX_WAIT_MS = 120_000;

/**
 * The coordinator of one run of one location:
 * 1. opens the run (scheduled fires) or picks up the one the caller opened;
 * 2. syncs pipelines and stages (one call);
 * 3. pass 1: walks every page with GHL's cursor, and per page marks the ids seen and records the
 *    page's key range in Postgres — nothing that grows with the account stays in memory, and a
 *    restarted coordinator resumes after the last recorded page;
 * 4. the guarded sweep (see `checkSweepGuards`);
 * 5. enqueues one page job per page as a flow whose parent finalizes the run.
 *
 * Retryable errors in pass 1 are rethrown while attempts remain (BullMQ retries and the next
 * attempt resumes). On the last attempt, or for a permanent error, the run goes on with the pages
 * it has but without a sweep.
 */
export async function runCoordinator(deps: SyncDeps, job: CoordinatorJob, ctx: JobContext): Promise<CoordinatorResult> {
  const { db } = deps;
  let run: SyncRun | null;
  if (job.runId === undefined) {
    // A scheduled fire: skip locations that cannot sync rather than open a run doomed to fail.
    const location = await getLocation(db, job.locationId);
    if (!location || location.needsReconnect) {
      deps.logger.warn(
        { locationId: job.locationId },
        `scheduled sync skipped: ${location ? 'the location needs reconnection' : 'the location is not registered'}`,
      );
      return { runId: null, skipped: location ? 'location_needs_reconnect' : 'location_not_found' };
    }
    try {
      run = await createRun(db, {
        locationId: job.locationId,
        trigger: job.trigger,
        mode: job.mode,
        allowMassDelete: job.allowMassDelete,
        deadlineAt: new Date(Date.now() + deps.runDeadlineMs),
      });
    } catch (err) {
      if (isGhlSyncError(err, 'run_already_active')) {
        deps.logger.info(
          { locationId: job.locationId, activeRunId: err.details['activeRunId'] },
          'scheduled sync skipped: the location has an active run',
        );
        return { runId: null, skipped: 'run_already_active' };
      }
      throw err;
    }
  } else {
    run = await getRun(db, job.runId);
  }
  if (!run) throw new GhlSyncError('run_not_found', `run ${job.runId} does not exist`);
  const log = deps.logger.child({ runId: run.id, locationId: run.locationId });
  if (!ACTIVE_RUN_STATUSES.includes(run.status)) return { runId: run.id, skipped: `run is ${run.status}` };
  if (ctx.jobId && run.coordinatorJobId !== ctx.jobId) await setCoordinatorJob(db, run.id, ctx.jobId);
  if (run.cancelRequested) {
    await finishRun(deps, run.id, log);
    return { runId: run.id, skipped: 'cancelled' };
  }

  const location = await getLocation(db, run.locationId);
  if (!location) throw new GhlSyncError('location_not_found', `location ${run.locationId} is not registered`);
  if (location.needsReconnect) {
    await transitionRun(db, run.id, 'failed', {
      errorCode: 'location_needs_reconnect',
      error: `location needs reconnection: ${location.reconnectReason ?? 'refresh refused'}`,
    });
    return { runId: run.id, skipped: 'location_needs_reconnect' };
  }
  const client = await deps.clientFor(run.locationId, { maxWaitMs: LISTING_MAX_WAIT_MS });

  if (run.status === 'queued') {
    await syncPipelines(deps, client, run.id, run.locationId, log);
    run = (await transitionRun(db, run.id, 'listing')) ?? run;
  }

  if (run.status === 'listing') {
    const outcome = await listAllPages(deps, client, run, ctx, log);
    if (outcome === 'cancelled') {
      await finishRun(deps, run.id, log);
      return { runId: run.id, skipped: 'cancelled' };
    }
    run = (await getRun(db, run.id))!;
    if (outcome.complete) {
      run = (await transitionRun(db, run.id, 'sweeping')) ?? run;
    } else {
      await skipSweep(db, run.id, outcome.code, outcome.reason);
      log.warn(
        { code: outcome.code, reason: outcome.reason },
        'pass 1 incomplete: no sweep; writing the pages listed so far',
      );
      run = (await transitionRun(db, run.id, 'writing')) ?? run;
    }
  }

  if (run.status === 'sweeping') {
    run = (await getRun(db, run.id))!;
    if (run.cancelRequested) {
      await finishRun(deps, run.id, log);
      return { runId: run.id, skipped: 'cancelled' };
    }
    if (run.sweepStatus === 'pending') await guardedSweep(deps, run, log);
    run = (await transitionRun(db, run.id, 'writing')) ?? run;
  }

  run = (await getRun(db, run.id))!;
  if (run.status !== 'writing') return { runId: run.id, skipped: `run is ${run.status}` };
  const pageNumbers = await listPageNumbers(db, run.id);
  await deps.queues.enqueuePageFlow({ run, locationId: run.locationId, pageNumbers });
  log.info(
    { pages: pageNumbers.length, listed: run.listed, deleted: run.deleted, sweep: run.sweepStatus },
    `pass 1 done: ${run.listed} opportunities on ${pageNumbers.length} pages; ${pageNumbers.length} page jobs enqueued`,
  );
  await ctx.updateProgress({ phase: 'writing', pages: pageNumbers.length, listed: run.listed });
  return {
    runId: run.id,
    pages: pageNumbers.length,
    listed: run.listed,
    deleted: run.deleted,
    sweep: run.sweepStatus === 'done' ? 'done' : 'skipped',
  };
}

async function syncPipelines(
  deps: SyncDeps,
  client: GhlClient,
  runId: number,
  locationId: string,
  log: SyncDeps['logger'],
): Promise<void> {
  const { pipelines, attempts } = await client.listPipelines();
  await addRunApiCalls(deps.db, runId, attempts);
  const rows = pipelines
    .filter((p): p is typeof p & { id: string } => typeof p.id === 'string')
    .map((p) => ({
      id: p.id,
      name: typeof p.name === 'string' ? p.name : null,
      raw: p,
      stages: (Array.isArray(p.stages) ? p.stages : [])
        .filter((s): s is typeof s & { id: string } => typeof s?.id === 'string')
        .map((s) => ({
          id: s.id,
          name: typeof s.name === 'string' ? s.name : null,
          position: typeof s.position === 'number' ? s.position : null,
          raw: s,
        })),
    }));
  const counts = await replacePipelines(deps.db, locationId, rows);
  log.info(counts, 'pipelines synced');
}

type ListingOutcome = { complete: true } | { complete: false; code: ErrorCode; reason: string } | 'cancelled';

async function listAllPages(
  deps: SyncDeps,
  client: GhlClient,
  run: SyncRun,
  ctx: JobContext,
  log: SyncDeps['logger'],
): Promise<ListingOutcome> {
  const last = await getLastListedPage(deps.db, run.id);
  if (last && (last.isLast || last.next === null)) return { complete: true };
  let pageNo = last ? last.pageNo + 1 : 1;
  const startCursor: GhlCursor | null = last?.next ?? null;
  if (last) log.info({ resumeAfterPage: last.pageNo }, 'resuming pass 1');

  try {
    for await (const page of iterateOpportunityPages(client, { limit: deps.pageSize, startCursor })) {
      if (page.opportunities.length === 0) break;
      const usable = (id: unknown): id is string => typeof id === 'string' && id.trim() !== '';
      const ids = [...new Set(page.opportunities.map((o) => o.id).filter(usable))];
      const withoutId = page.opportunities.filter((o) => !usable(o.id)).length;
      let end: GhlCursor | null = null;
      for (let i = page.opportunities.length - 1; i >= 0 && end === null; i--)
        end = opportunityKey(page.opportunities[i]!);
      const isLast = page.nextCursor === null || page.opportunities.length < deps.pageSize;
      const { newIds } = await recordListedPage(deps.db, {
        runId: run.id,
        locationId: run.locationId,
        pageNo,
        ids,
        start: page.requestCursor,
        end: end ?? page.nextCursor,
        next: isLast ? null : page.nextCursor,
        isLast,
        listed: page.opportunities.length,
        withoutId,
        apiCalls: page.attempts,
        reportedTotal: pageNo === 1 && typeof page.meta.total === 'number' ? page.meta.total : null,
      });
      log.debug({ page: pageNo, records: page.opportunities.length, newIds }, 'page listed');
      if (pageNo % 10 === 0 || isLast) {
        await ctx.updateProgress({ phase: 'listing', pagesListed: pageNo });
        // Cancellation is checked every few pages: cheap, and bounded in what it lets through.
        const current = await getRun(deps.db, run.id);
        if (current?.cancelRequested) return 'cancelled';
      }
      pageNo += 1;
      if (isLast) break;
    }
    return { complete: true };
  } catch (err) {
    const retryable = isGhlSyncError(err) ? err.retryable : true;
    if (retryable && ctx.attemptsMade + 1 < ctx.attempts) throw err;
    const code: ErrorCode = isGhlSyncError(err) ? err.code : 'internal_error';
    return {
      complete: false,
      code,
      reason: `pass 1 did not finish every page (stopped at page ${pageNo}; sweep skipped): ${code}: ${(err as Error).message}`,
    };
  }
}

async function guardedSweep(deps: SyncDeps, run: SyncRun, log: SyncDeps['logger']): Promise<void> {
  const { live, unseen } = await countSweepCandidates(deps.db, run.id, run.locationId);
  const verdict = checkSweepGuards({
    listingComplete: true,
    listed: run.listed,
    listedWithoutId: run.listedWithoutId,
    reportedTotal: run.reportedTotal,
    live,
    unseen,
    maxDeleteRatio: deps.sweep.maxDeleteRatio,
    totalTolerance: deps.sweep.totalTolerance,
    totalToleranceAbs: deps.sweep.totalToleranceAbs,
    allowMassDelete: run.allowMassDelete,
  });
  if (!verdict.sweep) {
    await skipSweep(deps.db, run.id, verdict.code, verdict.reason);
    log.warn({ code: verdict.code, live, unseen }, `sweep refused: ${verdict.reason}`);
    return;
  }
  const deleted = await sweepUnseen(deps.db, run.id, run.locationId);
  deps.onSwept?.(deleted);
  log.info({ deleted, live }, `sweep: ${deleted} opportunities no longer in GHL tombstoned`);
}

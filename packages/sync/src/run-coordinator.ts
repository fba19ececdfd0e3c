import {
  addRunApiCalls,
  countSweepCandidates,
  getRun,
  listPageNumbers,
  recordSweepCandidates,
  replacePipelines,
  setCoordinatorJob,
  skipSweep,
  sweepUnseen,
  transitionRun,
  type RunStatus,
  type SyncRun,
} from '@ghl-sync/db';
import { GhlSyncError, isGhlSyncError } from '@ghl-sync/errors';
import type { GhlClient } from '@ghl-sync/ghl-client';
import { QUEUES, type CoordinatorJob } from '@ghl-sync/queues';
import { attemptsOf } from './attempts-of.js';
import { fetchFirstAnswer, type FirstAnswer } from './listing/choose-listing-plan.js';
import { runPass1 } from './listing/run-pass1.js';
import { finishRun } from './runs/finish-run.js';
import { openRun } from './runs/open-run.js';
import { requireSyncableLocation } from './runs/require-syncable-location.js';
import { checkSweepGuards } from './sweep-guard.js';
import { verifySweepCandidates } from './sweep/verify-sweep-candidates.js';
import type { JobContext, SyncDeps } from './sync-deps.js';
import { bindOnce } from './bind-once.js';

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

/** Pass 1 may wait this long for one request slot; its chains only wait on the budget, so waiting is their work. */
const LISTING_MAX_WAIT_MS = 120_000;

/** What one phase needs besides the run. */
interface PhaseContext {
  deps: SyncDeps;
  client: GhlClient;
  ctx: JobContext;
  log: SyncDeps['logger'];
  /** The unfiltered first search page, asked while the pipelines were synced (its requests already counted). */
  firstAnswer?: FirstAnswer;
}

/**
 * A phase does the work of one run status and moves the run on: it returns the run after its
 * transition (null when the run was ended meanwhile, by a cancel or by recovery), or the job's result.
 */
type Phase = (p: PhaseContext, run: SyncRun) => Promise<{ run: SyncRun | null } | { result: CoordinatorResult }>;

/** The coordinator's work, by run status. A restarted coordinator resumes at the run's status. */
const PHASES: Partial<Record<RunStatus, Phase>> = {
  queued: syncPipelinesPhase,
  listing: listingPhase,
  sweeping: sweepPhase,
  writing: enqueuePagesPhase,
};

/**
 * The coordinator of one run of one location. It opens the run (scheduled fires) or picks up the one
 * the caller opened, checks the location, then runs {@link PHASES} from the run's status:
 * 1. `queued`: syncs pipelines and stages (one call), and meanwhile asks for pass 1's first page;
 * 2. `listing`: pass 1 (`runPass1`) walks every page with GHL's cursor — one chain, or concurrent
 *    chains over disjoint partitions — and per page marks the ids seen and records the page's key
 *    range in Postgres; nothing that grows with the account stays in memory, and a restarted
 *    coordinator resumes every chain after its last recorded page;
 * 3. `sweeping`: the guarded sweep (see `checkSweepGuards`);
 * 4. `writing`: enqueues one page job per page as a flow whose parent finishes the run.
 * A cancel seen between phases (or every few pages of pass 1) ends the run at once.
 *
 * Retryable errors in pass 1 are rethrown while attempts remain (BullMQ retries and the next
 * attempt resumes). On the last attempt, or for a permanent error, the run goes on with the pages
 * it has but without a sweep. Any other error that fails the job for good ends the run through
 * `failRunForJob` (the worker's final-failure hook).
 */
export async function runCoordinator(deps: SyncDeps, job: CoordinatorJob, ctx: JobContext): Promise<CoordinatorResult> {
  const opened = await openOrLoadRun(deps, job, ctx);
  if ('result' in opened) return opened.result;
  let run: SyncRun = opened.run;
  const log = bindOnce(deps.logger, { runId: run.id, locationId: run.locationId });
  if (ctx.jobId && run.coordinatorJobId !== ctx.jobId) await setCoordinatorJob(deps.db, run.id, ctx.jobId);
  if (run.cancelRequested) return cancelled(deps, run, log);

  try {
    await requireSyncableLocation(deps.db, run.locationId);
  } catch (err) {
    if (!isGhlSyncError(err, 'location_needs_reconnect') && !isGhlSyncError(err, 'location_uninstalled')) throw err;
    await transitionRun(deps.db, run.id, 'failed', { errorCode: err.code, error: err.message });
    return { runId: run.id, skipped: err.code };
  }
  const phase: PhaseContext = {
    deps,
    client: await deps.clientFor(run.locationId, { maxWaitMs: LISTING_MAX_WAIT_MS }),
    ctx,
    log,
  };

  for (;;) {
    const step = PHASES[run.status];
    if (!step) return { runId: run.id, skipped: `run is ${run.status}` };
    const outcome = await step(phase, run);
    if ('result' in outcome) return outcome.result;
    run = outcome.run ?? (await getRun(deps.db, run.id))!;
    if (run.cancelRequested && PHASES[run.status]) return cancelled(deps, run, log);
  }
}

/** A scheduled fire opens its own run (or skips: location cannot sync, a run is active); other jobs load theirs. */
async function openOrLoadRun(
  deps: SyncDeps,
  job: CoordinatorJob,
  ctx: JobContext,
): Promise<{ run: SyncRun } | { result: CoordinatorResult }> {
  if (job.runId !== undefined) {
    const run = await getRun(deps.db, job.runId);
    if (!run) throw new GhlSyncError('run_not_found', `run ${job.runId} does not exist`);
    return PHASES[run.status] ? { run } : { result: { runId: run.id, skipped: `run is ${run.status}` } };
  }
  try {
    return {
      run: await openRun(deps, {
        locationId: job.locationId,
        trigger: job.trigger,
        mode: job.mode,
        allowMassDelete: job.allowMassDelete,
        coordinatorJobId: ctx.jobId,
      }),
    };
  } catch (err) {
    if (
      isGhlSyncError(err, 'location_not_found') ||
      isGhlSyncError(err, 'location_needs_reconnect') ||
      isGhlSyncError(err, 'location_uninstalled')
    ) {
      deps.logger.warn({ locationId: job.locationId, code: err.code }, `scheduled sync skipped: ${err.message}`);
      // Stop firing for a location that cannot sync; registering it again re-creates its schedule.
      await deps.queues.coordinator.removeJobScheduler(QUEUES.coordinator.schedulerId(job.locationId) as never);
      return { result: { runId: null, skipped: err.code } };
    }
    if (isGhlSyncError(err, 'run_already_active')) {
      deps.logger.info(
        { locationId: job.locationId, activeRunId: err.details['activeRunId'] },
        'scheduled sync skipped: the location has an active run',
      );
      return { result: { runId: null, skipped: 'run_already_active' } };
    }
    throw err;
  }
}

async function cancelled(deps: SyncDeps, run: SyncRun, log: SyncDeps['logger']): Promise<CoordinatorResult> {
  await finishRun(deps, run.id, log);
  return { runId: run.id, skipped: 'cancelled' };
}

/**
 * Syncs pipelines and, at the same time, asks for the listing's unfiltered first page: it does not
 * depend on them, and with GHL answering slowly one round trip less before pass 1 is one round
 * trip less of idle budget. Both answers' requests are counted here.
 */
async function syncPipelinesPhase(phase: PhaseContext, run: SyncRun) {
  const { deps, client, log } = phase;
  const [first, pipelines] = await Promise.allSettled([
    fetchFirstAnswer(client, deps.pageSize),
    syncPipelines(deps, client, run.id, run.locationId, log),
  ]);
  const searchAttempts = first.status === 'fulfilled' ? first.value.page.attempts : attemptsOf(first.reason);
  if (searchAttempts > 0) await addRunApiCalls(deps.db, run.id, searchAttempts);
  if (pipelines.status === 'rejected') {
    // The two requests share one token refresh: when it is refused, the one that refreshed carries
    // the reason and the other only learns that the location now needs reconnecting.
    const secondHand =
      isGhlSyncError(pipelines.reason, 'location_needs_reconnect') &&
      first.status === 'rejected' &&
      !isGhlSyncError(first.reason, 'location_needs_reconnect');
    throw secondHand ? first.reason : pipelines.reason;
  }
  // A first page refused for good (a 400, a 403) ends the run as a refused pipelines call would;
  // one that may succeed later is asked again by pass 1, under its own retry rules.
  if (first.status === 'rejected' && isGhlSyncError(first.reason) && !first.reason.retryable) throw first.reason;
  if (first.status === 'fulfilled') phase.firstAnswer = { ...first.value, page: { ...first.value.page, attempts: 0 } };
  return { run: await transitionRun(deps.db, run.id, 'listing') };
}

async function listingPhase(phase: PhaseContext, run: SyncRun) {
  const { deps, client, ctx, log } = phase;
  const prefetched = phase.firstAnswer;
  phase.firstAnswer = undefined;
  const outcome = await runPass1(deps, client, run, ctx, log, prefetched);
  if (outcome === 'cancelled') return { run: await getRun(deps.db, run.id) };
  if (outcome.complete) return { run: await transitionRun(deps.db, run.id, 'sweeping') };
  await skipSweep(deps.db, run.id, outcome.code, outcome.reason);
  log.warn(
    { code: outcome.code, reason: outcome.reason },
    'pass 1 incomplete: no sweep; writing the pages listed so far',
  );
  return { run: await transitionRun(deps.db, run.id, 'writing') };
}

async function sweepPhase({ deps, client, log }: PhaseContext, run: SyncRun) {
  if (run.sweepStatus === 'pending') await guardedSweep(deps, client, run, log);
  return { run: await transitionRun(deps.db, run.id, 'writing') };
}

async function enqueuePagesPhase({ deps, ctx, log }: PhaseContext, run: SyncRun) {
  const pageNumbers = await listPageNumbers(deps.db, run.id);
  await deps.queues.enqueuePageFlow({ run, locationId: run.locationId, pageNumbers });
  log.info(
    { pages: pageNumbers.length, listed: run.listed, deleted: run.deleted, sweep: run.sweepStatus },
    `pass 1 done: ${run.listed} ${run.listed === 1 ? 'opportunity' : 'opportunities'} on ${pageNumbers.length} ${pageNumbers.length === 1 ? 'page' : 'pages'}; ${pageNumbers.length} page ${pageNumbers.length === 1 ? 'job' : 'jobs'} enqueued`,
  );
  await ctx.updateProgress({ phase: 'writing', pages: pageNumbers.length, listed: run.listed });
  return {
    result: {
      runId: run.id,
      pages: pageNumbers.length,
      listed: run.listed,
      deleted: run.deleted,
      sweep: run.sweepStatus === 'done' ? ('done' as const) : ('skipped' as const),
    },
  };
}

async function syncPipelines(
  deps: SyncDeps,
  client: GhlClient,
  runId: number,
  locationId: string,
  log: SyncDeps['logger'],
): Promise<void> {
  let listed: Awaited<ReturnType<GhlClient['listPipelines']>>;
  try {
    listed = await client.listPipelines();
  } catch (err) {
    // The requests a failed call made still count: a run whose pipelines call answered 401 made one.
    await addRunApiCalls(deps.db, runId, attemptsOf(err));
    throw err;
  }
  const { pipelines, attempts } = listed;
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

/**
 * The sweep of a run whose pass 1 finished every page. Up to `sweep.verifyMax` candidates are each
 * confirmed with GHL before they are tombstoned, which makes the sweep exact whatever the listing
 * missed; above the cap (a listing that lost much, or a mass deletion) the guards decide, as a
 * sweep of that size cannot be confirmed within the budget.
 */
async function guardedSweep(deps: SyncDeps, client: GhlClient, run: SyncRun, log: SyncDeps['logger']): Promise<void> {
  const { live, unseen } = await countSweepCandidates(deps.db, run.id, run.locationId);
  await recordSweepCandidates(deps.db, run.id, unseen, deps.sweep.verifyMax);
  if (unseen > 0 && unseen <= deps.sweep.verifyMax) {
    const { gone } = await verifySweepCandidates(deps, client, run, log);
    deps.onSwept?.(gone);
    return;
  }
  if (unseen > 0)
    log.info({ unseen, verifyMax: deps.sweep.verifyMax }, 'too many sweep candidates to verify: the guards decide');
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

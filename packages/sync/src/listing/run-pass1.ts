import {
  addRunApiCalls,
  getLastListedPage,
  getLastPagePerPartition,
  getListingPlan,
  getMaxPageNo,
  getRun,
  saveListingPlan,
  type ListingPlan,
  type SyncRun,
} from '@ghl-sync/db';
import { isConnectionLoss, isGhlSyncError, type ErrorCode } from '@ghl-sync/errors';
import type { GhlClient } from '@ghl-sync/ghl-client';
import { attemptsOf } from '../attempts-of.js';
import type { JobContext, SyncDeps } from '../sync-deps.js';
import { chooseListingPlan, type ChosenPlan, type FirstAnswer } from './choose-listing-plan.js';
import { listChain, type ChainShared, type ChainStart } from './list-chain.js';
import { mapWithConcurrency } from './map-with-concurrency.js';
import { describePartition, samePartition } from './plan-partitions.js';
import { discardAll } from './prefetch-next-page.js';
import { recordPage } from './record-page.js';

/** How pass 1 ended. */
export type ListingOutcome = { complete: true } | { complete: false; code: ErrorCode; reason: string } | 'cancelled';

/** Progress is reported and cancellation checked every this many recorded pages: cheap, and bounded in what it lets through. */
const CHECK_EVERY_PAGES = 10;

/**
 * Pass 1 of a run: lists every opportunity of the location, page by page, recording each page
 * (marks, key range, partition) before asking for the next one of its chain.
 *
 * The first time, it chooses a listing plan ({@link chooseListingPlan}: one chain, or disjoint
 * partitions listed as concurrent chains that all draw from the location's one rate budget) and
 * stores it on the run. A restarted coordinator reads the stored plan back and resumes every
 * chain after its last recorded page.
 *
 * Retryable errors are rethrown while the job has attempts left (the next attempt resumes); on the
 * last attempt, or for a permanent error, pass 1 ends incomplete (no sweep) with the pages it has.
 *
 * @param prefetched - the unfiltered first page when the coordinator already asked for it (with its
 *   attempts counted, so `attempts` is 0); used only when a new plan is chosen.
 */
export async function runPass1(
  deps: SyncDeps,
  client: GhlClient,
  run: SyncRun,
  ctx: JobContext,
  log: SyncDeps['logger'],
  prefetched?: FirstAnswer,
): Promise<ListingOutcome> {
  let pageNo = await getMaxPageNo(deps.db, run.id);
  let recorded = 0;
  let cancelled = false;
  let failed = false;
  // Failed requests still count; chain failures are counted where they happen (several chains may fail).
  const counted = new WeakSet<object>();
  const countFailure = async (err: unknown): Promise<void> => {
    if (typeof err === 'object' && err !== null) {
      if (counted.has(err)) return;
      counted.add(err);
    }
    await addRunApiCalls(deps.db, run.id, attemptsOf(err));
  };
  const shared: ChainShared = {
    deps,
    client,
    run,
    log,
    nextPageNo: () => ++pageNo,
    afterPage: async () => {
      recorded += 1;
      if (recorded % CHECK_EVERY_PAGES !== 0) return;
      await ctx.updateProgress({ phase: 'listing', pagesListed: recorded });
      const current = await getRun(deps.db, run.id);
      if (current?.cancelRequested) cancelled = true;
    },
    stopped: () => cancelled || failed,
  };

  try {
    const { plan, starts } = await prepareChains(shared, run, log, prefetched);
    const concurrency = plan.kind === 'partitioned' ? plan.chains : 1;
    // Largest partitions first, so the last chain to finish is a short one.
    starts.sort((a, b) => b.remaining - a.remaining);
    try {
      await mapWithConcurrency(
        starts,
        concurrency,
        (start) =>
          listChain(shared, start).catch(async (err: unknown) => {
            failed = true;
            await countFailure(err);
            throw err;
          }),
        shared.stopped,
      );
    } finally {
      // Second pages asked ahead for chains that never started (pass 1 stopped): counted, not recorded.
      const unused = await discardAll(starts.map((s) => s.prefetched));
      if (unused > 0) await addRunApiCalls(deps.db, run.id, unused);
    }
    if (cancelled || (await getRun(deps.db, run.id))?.cancelRequested) return 'cancelled';
    return { complete: true };
  } catch (err) {
    await countFailure(err);
    const retryable = isGhlSyncError(err) ? err.retryable : true;
    // A lost connection is retried without spending an attempt (handleJobError): resume, do not give up the sweep.
    if (retryable && (isConnectionLoss(err) || ctx.attemptsMade + 1 < ctx.attempts)) throw err;
    const code: ErrorCode = isGhlSyncError(err) ? err.code : 'internal_error';
    return {
      complete: false,
      code,
      reason: `pass 1 did not finish every page (stopped after ${pageNo} pages; sweep skipped): ${code}: ${(err as Error).message}`,
    };
  }
}

/** The stored plan and where each chain resumes, or a new plan with its first pages recorded. */
async function prepareChains(
  shared: ChainShared,
  run: SyncRun,
  log: SyncDeps['logger'],
  prefetched: FirstAnswer | undefined,
): Promise<{ plan: ListingPlan; starts: ChainStart[] }> {
  const { deps } = shared;
  const stored = await getListingPlan(deps.db, run.id);
  if (stored !== null) {
    const starts = await resumeStarts(shared, stored);
    log.info({ plan: stored.kind, chains: starts.length }, 'resuming pass 1: every chain after its last recorded page');
    return { plan: stored, starts };
  }
  if ((await getLastListedPage(deps.db, run.id)) !== null) {
    // Pages recorded before listing plans existed: one unfiltered chain.
    const plan = await saveListingPlan(deps.db, run.id, { kind: 'single', reason: 'resumed', answerMs: 0 }, null);
    return { plan, starts: await resumeStarts(shared, plan) };
  }

  const chosen = await chooseListingPlan(deps, shared.client, run, log, prefetched);
  try {
    return await startChosenPlan(shared, run, log, chosen);
  } catch (err) {
    // Second pages asked ahead are the chains' to record; a plan that could not start records none.
    const unused = await discardAll(chosen.firstPages.map((f) => f.next));
    // Best effort: when Postgres is what failed, this fails too, and the first error is the one to report.
    if (unused > 0) await addRunApiCalls(deps.db, run.id, unused).catch(() => undefined);
    throw err;
  }
}

/** Stores a new plan and records its first pages; returns where each chain goes on. */
async function startChosenPlan(
  shared: ChainShared,
  run: SyncRun,
  log: SyncDeps['logger'],
  chosen: ChosenPlan,
): Promise<{ plan: ListingPlan; starts: ChainStart[] }> {
  const { deps } = shared;
  const plan = await saveListingPlan(deps.db, run.id, chosen.plan, chosen.reportedTotal);
  if (chosen.unrecordedAttempts > 0) await addRunApiCalls(deps.db, run.id, chosen.unrecordedAttempts);
  if (plan.kind === 'partitioned')
    log.info(
      { chains: plan.chains, partitions: plan.partitions.length, answerMs: plan.answerMs, total: plan.unfilteredTotal },
      `pass 1: ${plan.partitions.length} partitions listed by ${plan.chains} concurrent chains`,
    );
  else log.info({ reason: plan.reason, answerMs: plan.answerMs }, `pass 1: one chain (${plan.reason})`);

  // Recorded together, not one after the other: the chains wait for the last of them.
  const firsts = chosen.firstPages
    .filter(({ page }) => page.opportunities.length > 0)
    .map((first) => ({ ...first, pageNo: shared.nextPageNo() }));
  const recorded = await Promise.all(
    firsts.map(async ({ partition, page, pageNo }) => {
      const { isLast } = await recordPage(deps, run, page, { pageNo, partition, chainPageNo: 1 });
      await shared.afterPage();
      return isLast;
    }),
  );
  const starts: ChainStart[] = [];
  firsts.forEach(({ partition, page, next }, i) => {
    if (recorded[i]) return;
    const total = typeof page.meta.total === 'number' ? page.meta.total : 0;
    starts.push({
      partition,
      cursor: page.nextCursor,
      chainPageNo: 2,
      remaining: total - page.opportunities.length,
      ...(next && { prefetched: next }),
    });
  });
  return { plan, starts };
}

/** Where each chain of a stored plan goes on: after its partition's last recorded page. */
async function resumeStarts(shared: ChainShared, plan: ListingPlan): Promise<ChainStart[]> {
  const { deps, run } = shared;
  const lastPages = await getLastPagePerPartition(deps.db, run.id);
  const partitions = plan.kind === 'single' ? [{ filter: null, total: null }] : plan.partitions;
  const starts: ChainStart[] = [];
  for (const { filter, total } of partitions) {
    const last = lastPages.find((p) => samePartition(p.partition, filter));
    if (last && (last.isLast || last.next === null)) continue;
    const chainPageNo = (last?.chainPageNo ?? 0) + 1;
    starts.push({
      partition: filter,
      cursor: last?.next ?? null,
      chainPageNo,
      remaining: Math.max(0, (total ?? 0) - (chainPageNo - 1) * deps.pageSize),
    });
    shared.log.debug({ partition: describePartition(filter), chainPageNo }, 'chain resumes');
  }
  return starts;
}

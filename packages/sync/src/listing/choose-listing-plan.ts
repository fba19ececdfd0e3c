import { performance } from 'node:perf_hooks';
import { addRunApiCalls, listPipelineStages, type ListingPlan, type PartitionFilter, type SyncRun } from '@ghl-sync/db';
import { isLastPage, type GhlClient, type SearchOpportunitiesPage } from '@ghl-sync/ghl-client';
import type { SyncDeps } from '../sync-deps.js';
import { checkPartitionTotals } from './check-partition-totals.js';
import { chooseChainCount } from './choose-chain-count.js';
import { mapWithConcurrency } from './map-with-concurrency.js';
import {
  describePartition,
  inPartition,
  pipelinePartitions,
  planPartitions,
  samePartition,
  type SizedPartition,
  type SplitRules,
} from './plan-partitions.js';
import { discardAll, prefetchNextPage, type PrefetchedPage } from './prefetch-next-page.js';
import { partitionParams } from './record-page.js';

/** A plan with the first pages it fetched, which pass 1 records instead of fetching them again. */
export interface ChosenPlan {
  plan: ListingPlan;
  /**
   * The unfiltered `meta.total` the plan stands on (the sweep guard's reference): the first page's,
   * or the one asked again after a deficit when the partitions add up to it.
   */
  reportedTotal: number | null;
  /**
   * First page of every chain, in plan order, and the chain's second page when it was asked while
   * the check waited (recorded only by the chain that takes it, after the first page).
   */
  firstPages: Array<{ partition: PartitionFilter | null; page: SearchOpportunitiesPage; next?: PrefetchedPage }>;
  /** Attempts spent on pages that will not be recorded (the check's requests, discarded second pages). */
  unrecordedAttempts: number;
}

/** The unfiltered first page and how long GHL took to answer it, in ms. */
export interface FirstAnswer {
  page: SearchOpportunitiesPage;
  answerMs: number;
}

/**
 * A partition's share is the listing divided by the chains the budget needs (requests per second ×
 * answer time, before headroom): a chain whose partition is larger runs on alone after the others
 * are done, and one chain alone cannot keep the budget busy. Sizes estimated from the first page's
 * sample are rough (a hundred records: a stage holding 15 of them may hold 10 or 20 % of the
 * listing), so a partition is cut on an estimate only when it looks twice its share…
 */
const ESTIMATE_MAX_SHARE = 2;
/**
 * …and, once the first pages' `meta.total` are known, when it really holds more than a quarter
 * over its share. A cut then costs the partition's first page (not recorded) and one more round of
 * first pages, and every partition a short last page, so a little imbalance is cheaper.
 */
const KNOWN_MAX_SHARE = 1.25;
/** Rounds of cuts on known totals before the plan is taken as it is. */
const REFINE_ROUNDS = 2;
/** Records of the sample count this much more, so a partition the sample missed is not taken as empty. */
const SAMPLE_SMOOTHING = 0.5;
/** Most partitions one plan lists (each may cost a short last page; 64 chains is the setting's maximum). */
const MAX_PARTITIONS = 64;

/**
 * Asks GHL for the unfiltered first page and times the answer. Safe to start before the run's
 * pipelines are synced (nothing in it depends on them), which is how the coordinator overlaps the
 * two round trips.
 * @throws the client's errors.
 */
export async function fetchFirstAnswer(client: GhlClient, pageSize: number): Promise<FirstAnswer> {
  const started = performance.now();
  const page = await client.searchOpportunities({ limit: pageSize, status: 'all' });
  return { page, answerMs: Math.round(performance.now() - started) };
}

/**
 * Decides how pass 1 lists a run, from one unfiltered search request (`prefetched`, or asked here):
 * - its answer time gives the number of chains that keeps the rate budget busy
 *   ({@link chooseChainCount}, at most one per page); one chain means no partitions and no extra
 *   requests;
 * - otherwise the location's pipelines and stages give disjoint partitions (documented filters
 *   `pipeline_id`, `pipeline_stage_id`, `status`), at mixed levels ({@link planPartitions}):
 *   pipelines, with the largest cut into stages or statuses until there is a partition per
 *   chain and none holds far more than its share. Sizes are first estimated from the
 *   first page's records, then taken from each partition's first page (`meta.total`); a partition
 *   still far too large is cut once more;
 * - the partitions are used only if their first pages' `meta.total` add up to the unfiltered
 *   `meta.total` ({@link checkPartitionTotals}: an overlap within the sweep guard's tolerance is
 *   accepted, a deficit never); otherwise the run falls back to the single chain and the plan says
 *   why. On a deficit the unfiltered total is asked once more first (one request, counted in
 *   `unrecordedAttempts`), so a delete during the check does not cost the partitions; the fresh
 *   total, when it passes, is the plan's `unfilteredTotal` and the sweep guard's reference;
 * - while it waits for the first pages, each partition's second page is asked as soon as its first
 *   answers ({@link prefetchNextPage}; not for a partition above its share, likely to be cut):
 *   returned with the plan for its chain to record, or discarded (only its attempts counted in
 *   `unrecordedAttempts`) when the plan does not list that partition.
 *
 * @throws the client's errors (the caller's retry rules apply; nothing is recorded but the attempts
 *   already answered, so `api_calls` stays exact).
 */
export async function chooseListingPlan(
  deps: SyncDeps,
  client: GhlClient,
  run: Pick<SyncRun, 'id' | 'locationId'>,
  log: SyncDeps['logger'],
  prefetched?: FirstAnswer,
): Promise<ChosenPlan> {
  const { page: first, answerMs } = prefetched ?? (await fetchFirstAnswer(client, deps.pageSize));
  const total = typeof first.meta.total === 'number' ? first.meta.total : null;
  let checkAttempts = 0;
  const single = (reason: string): ChosenPlan => ({
    plan: { kind: 'single', reason, answerMs },
    reportedTotal: total,
    firstPages: [{ partition: null, page: first }],
    unrecordedAttempts: checkAttempts,
  });

  let chains = chooseChainCount({ answerMs, ...deps.listing });
  if (chains <= 1) return single(`one chain keeps the budget busy (first answer in ${answerMs} ms)`);
  if (isLastPage(first, deps.pageSize)) return single('the listing fits in one page');
  if (total === null) return single('the first page has no meta.total, so partitions could not be checked');
  // A chain with less than a page to list costs a request and lists nothing.
  chains = Math.min(chains, Math.ceil(total / deps.pageSize));
  const pipelines = await listPipelineStages(deps.db, run.locationId);
  const weight = (filter: PartitionFilter): number =>
    first.opportunities.filter((o) => inPartition(o, filter)).length + SAMPLE_SMOOTHING;
  const share = total / Math.min(chains, Math.max(1, (deps.listing.requestsPerSecond * answerMs) / 1000));
  const rules: SplitRules = {
    chains,
    maxSize: ESTIMATE_MAX_SHARE * share,
    targetSize: KNOWN_MAX_SHARE * share,
    minSplitSize: 2 * deps.pageSize,
    maxPartitions: MAX_PARTITIONS,
  };
  const byPipeline = pipelinePartitions(pipelines);
  const weightSum = byPipeline.reduce((n, f) => n + weight(f), 0);
  let parts = planPartitions(
    byPipeline.map((filter) => ({ filter, size: (total * weight(filter)) / weightSum })),
    pipelines,
    rules,
    weight,
  ).map((p) => p.filter);
  if (parts.length < 2) return single('the location has fewer than two pipelines or stages to partition by');

  // Attempts of answers already in hand, so a failure later in the check still counts them.
  let answered = first.attempts;
  // Each partition's second page is asked as soon as its first answers, while the check waits for
  // the slowest first page (and any cut): the budget would idle otherwise. A partition above its
  // share is likely to be cut (its pages then go unused), so it waits. Nothing is recorded from
  // these until the plan stands; a page the plan does not use is discarded and only counted.
  const seconds: Array<{ filter: PartitionFilter; next: PrefetchedPage }> = [];
  const nextOf = (filter: PartitionFilter) => seconds.find((p) => samePartition(p.filter, filter))?.next;
  const fetchFirst = async (filter: PartitionFilter): Promise<SearchOpportunitiesPage> => {
    const page = await client.searchOpportunities({ limit: deps.pageSize, ...partitionParams(filter) });
    answered += page.attempts;
    const more = !isLastPage(page, deps.pageSize);
    const size = typeof page.meta.total === 'number' ? page.meta.total : Infinity;
    if (more && size <= KNOWN_MAX_SHARE * share)
      seconds.push({ filter, next: prefetchNextPage(client, deps.pageSize, filter, page) });
    return page;
  };
  /** Gives up the second pages of partitions the plan does not list (all of them when it falls back). */
  const discardUnused = async (kept: PartitionFilter[]): Promise<number> =>
    discardAll(seconds.filter((p) => !kept.some((f) => samePartition(f, p.filter))).map((p) => p.next));
  // All at once: the rate budget spaces them, and a smaller batch would only add round trips.
  const fetchFirsts = async (filters: PartitionFilter[]): Promise<SearchOpportunitiesPage[]> => {
    try {
      return (await mapWithConcurrency(filters, filters.length, fetchFirst)) as SearchOpportunitiesPage[];
    } catch (err) {
      await addRunApiCalls(deps.db, run.id, answered + (await discardUnused([])));
      throw err;
    }
  };
  /** The unfiltered `meta.total` once more (one record: only the total is read). */
  const askUnfilteredTotal = async (): Promise<SearchOpportunitiesPage> => {
    try {
      const page = await client.searchOpportunities({ limit: 1, status: 'all' });
      answered += page.attempts;
      return page;
    } catch (err) {
      await addRunApiCalls(deps.db, run.id, answered + (await discardUnused([])));
      throw err;
    }
  };
  let firsts = await fetchFirsts(parts);
  const totalOf = (page: SearchOpportunitiesPage): number | null =>
    typeof page.meta.total === 'number' ? page.meta.total : null;

  for (let round = 0; round < REFINE_ROUNDS; round++) {
    if (firsts.some((p) => totalOf(p) === null)) break; // the check below refuses the plan
    const known: SizedPartition[] = parts.map((filter, i) => ({ filter, size: totalOf(firsts[i]!)! }));
    const refined = planPartitions(known, pipelines, { ...rules, maxSize: KNOWN_MAX_SHARE * share }, weight);
    if (refined.length === known.length) break;
    const kept = (f: PartitionFilter) => parts.findIndex((p) => samePartition(p, f));
    const added = refined.filter((p) => kept(p.filter) < 0).map((p) => p.filter);
    const addedPages = await fetchFirsts(added);
    parts.forEach((filter, i) => {
      if (!refined.some((p) => samePartition(p.filter, filter))) {
        checkAttempts += firsts[i]!.attempts;
        log.info(
          { partition: describePartition(filter), total: totalOf(firsts[i]!) },
          'partition far larger than its share: cut',
        );
      }
    });
    firsts = refined.map((p) => {
      const i = kept(p.filter);
      return i >= 0 ? firsts[i]! : addedPages[added.findIndex((f) => samePartition(f, p.filter))]!;
    });
    parts = refined.map((p) => p.filter);
  }

  const partitionTotals = parts.map((f, i) => ({ label: describePartition(f), total: totalOf(firsts[i]!) }));
  const check = (unfilteredTotal: number) =>
    checkPartitionTotals({
      unfilteredTotal,
      partitions: partitionTotals,
      totalTolerance: deps.sweep.totalTolerance,
      totalToleranceAbs: deps.sweep.totalToleranceAbs,
    });
  let checkedTotal = total;
  let verdict = check(total);
  if (!verdict.complete && verdict.outside !== undefined) {
    // A delete between the unfiltered request and the partitions' first pages leaves the same
    // deficit as an opportunity outside every partition: one more request tells them apart
    // rather than giving up the partitions. A deficit that stays is never tolerated.
    const again = await askUnfilteredTotal();
    checkAttempts += again.attempts;
    const fresh = totalOf(again);
    log.info({ total, fresh, outside: verdict.outside }, 'partitions short of the unfiltered total: asked it again');
    if (fresh === null)
      verdict = { complete: false, reason: 'the unfiltered listing, asked again, reported no meta.total' };
    else {
      checkedTotal = fresh;
      verdict = check(fresh);
    }
  }
  if (!verdict.complete) {
    checkAttempts += firsts.reduce((sum, p) => sum + p.attempts, 0) + (await discardUnused([]));
    log.warn({ reason: verdict.reason }, 'partitions do not add up: pass 1 falls back to one chain');
    return single(`partitions incomplete, fell back to one chain: ${verdict.reason}`);
  }
  checkAttempts += first.attempts + (await discardUnused(parts));
  const nonEmpty = firsts.filter((p) => p.opportunities.length > 0).length;
  return {
    plan: {
      kind: 'partitioned',
      chains: Math.max(1, Math.min(chains, nonEmpty)),
      answerMs,
      unfilteredTotal: checkedTotal,
      partitions: parts.map((filter, i) => ({ filter, total: totalOf(firsts[i]!) })),
    },
    reportedTotal: checkedTotal,
    firstPages: parts.map((partition, i) => ({ partition, page: firsts[i]!, next: nextOf(partition) })),
    unrecordedAttempts: checkAttempts,
  };
}

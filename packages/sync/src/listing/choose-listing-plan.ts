import { performance } from 'node:perf_hooks';
import { addRunApiCalls, listPipelineStages, type ListingPlan, type PartitionFilter, type SyncRun } from '@ghl-sync/db';
import type { GhlClient, SearchOpportunitiesPage } from '@ghl-sync/ghl-client';
import type { SyncDeps } from '../sync-deps.js';
import { checkPartitionTotals } from './check-partition-totals.js';
import { chooseChainCount } from './choose-chain-count.js';
import { mapWithConcurrency } from './map-with-concurrency.js';
import { describePartition, planPartitions, splitPartition } from './plan-partitions.js';
import { partitionParams } from './record-page.js';

/** A plan with the first pages it fetched, which pass 1 records instead of fetching them again. */
export interface ChosenPlan {
  plan: ListingPlan;
  /** `meta.total` of the unfiltered first page (the sweep guard's reference). */
  reportedTotal: number | null;
  /** First page of every chain, in plan order. */
  firstPages: Array<{ partition: PartitionFilter | null; page: SearchOpportunitiesPage }>;
  /** Attempts spent on pages that will not be recorded (the check's requests). */
  unrecordedAttempts: number;
}

/** A partition is split when it holds more than this many times its fair share of the listing… */
const SPLIT_FACTOR = 2;
/** …and more than this many pages (splitting small partitions only adds short last pages). */
const SPLIT_MIN_PAGES = 10;

/**
 * Decides how pass 1 lists a run, from one unfiltered search request:
 * - its answer time gives the number of chains that keeps the rate budget busy
 *   ({@link chooseChainCount}); one chain means no partitions and no extra requests;
 * - otherwise the location's pipelines and stages give disjoint partitions (documented filters
 *   `pipeline_id`, `pipeline_stage_id`, `status`), whose first pages are fetched `chains` at a time;
 *   a partition far larger than the rest is cut once more (pipeline → stages, stage → statuses);
 * - the partitions are used only if their first pages' `meta.total` add up to the unfiltered
 *   `meta.total` ({@link checkPartitionTotals}); otherwise the run falls back to the single chain
 *   and the plan says why.
 *
 * @throws the client's errors (the caller's retry rules apply; nothing is recorded but the attempts
 *   already answered, so `api_calls` stays exact).
 */
export async function chooseListingPlan(
  deps: SyncDeps,
  client: GhlClient,
  run: Pick<SyncRun, 'id' | 'locationId'>,
  log: SyncDeps['logger'],
): Promise<ChosenPlan> {
  const started = performance.now();
  const first = await client.searchOpportunities({ limit: deps.pageSize, status: 'all' });
  const answerMs = Math.round(performance.now() - started);
  const total = typeof first.meta.total === 'number' ? first.meta.total : null;
  let checkAttempts = 0;
  const single = (reason: string): ChosenPlan => ({
    plan: { kind: 'single', reason, answerMs },
    reportedTotal: total,
    firstPages: [{ partition: null, page: first }],
    unrecordedAttempts: checkAttempts,
  });

  const chains = chooseChainCount({ answerMs, ...deps.listing });
  if (chains <= 1) return single(`one chain keeps the budget busy (first answer in ${answerMs} ms)`);
  if (first.nextCursor === null || first.opportunities.length < deps.pageSize)
    return single('the listing fits in one page');
  if (total === null) return single('the first page has no meta.total, so partitions could not be checked');
  const pipelines = await listPipelineStages(deps.db, run.locationId);
  let filters = planPartitions(pipelines, chains);
  if (filters.length < 2) return single('the location has fewer than two pipelines or stages to partition by');

  // Attempts of answers already in hand, so a failure later in the check still counts them.
  let answered = first.attempts;
  const fetchFirst = async (filter: PartitionFilter): Promise<SearchOpportunitiesPage> => {
    const page = await client.searchOpportunities({ limit: deps.pageSize, ...partitionParams(filter) });
    answered += page.attempts;
    return page;
  };
  const fetchFirsts = async (parts: PartitionFilter[]): Promise<SearchOpportunitiesPage[]> => {
    try {
      return (await mapWithConcurrency(parts, chains, fetchFirst)) as SearchOpportunitiesPage[];
    } catch (err) {
      await addRunApiCalls(deps.db, run.id, answered);
      throw err;
    }
  };
  let firsts = await fetchFirsts(filters);

  const fairShare = total / chains;
  const oversized = filters
    .map((filter, i) => ({ filter, i, total: firsts[i]!.meta.total }))
    .filter(
      (p) =>
        typeof p.total === 'number' && p.total > SPLIT_FACTOR * fairShare && p.total > SPLIT_MIN_PAGES * deps.pageSize,
    );
  for (const big of oversized) {
    const parts = splitPartition(big.filter, pipelines);
    if (parts === null) continue;
    const pages = await fetchFirsts(parts);
    checkAttempts += firsts[big.i]!.attempts;
    log.info(
      { partition: describePartition(big.filter), total: big.total, into: parts.length },
      'partition far larger than the rest: split',
    );
    filters = [...filters.slice(0, big.i), ...parts, ...filters.slice(big.i + 1)];
    firsts = [...firsts.slice(0, big.i), ...pages, ...firsts.slice(big.i + 1)];
    // Later indexes shifted by the split; re-find them (at most a handful of oversized partitions).
    for (const other of oversized) if (other.i > big.i) other.i += parts.length - 1;
  }

  const verdict = checkPartitionTotals({
    unfilteredTotal: total,
    partitions: filters.map((f, i) => ({
      label: describePartition(f),
      total: typeof firsts[i]!.meta.total === 'number' ? firsts[i]!.meta.total : null,
    })),
    totalTolerance: deps.sweep.totalTolerance,
    totalToleranceAbs: deps.sweep.totalToleranceAbs,
  });
  if (!verdict.complete) {
    checkAttempts += firsts.reduce((sum, p) => sum + p.attempts, 0);
    log.warn({ reason: verdict.reason }, 'partitions do not add up: pass 1 falls back to one chain');
    return single(`partitions incomplete, fell back to one chain: ${verdict.reason}`);
  }
  checkAttempts += first.attempts;
  return {
    plan: {
      kind: 'partitioned',
      chains: Math.min(chains, filters.length),
      answerMs,
      unfilteredTotal: total,
      partitions: filters.map((filter, i) => ({
        filter,
        total: typeof firsts[i]!.meta.total === 'number' ? firsts[i]!.meta.total : null,
      })),
    },
    reportedTotal: total,
    firstPages: filters.map((partition, i) => ({ partition, page: firsts[i]! })),
    unrecordedAttempts: checkAttempts,
  };
}

import { recordListedPage, type PartitionFilter, type SyncRun } from '@ghl-sync/db';
import {
  isLastPage,
  opportunityKey,
  usableOpportunityId,
  type GhlCursor,
  type SearchOpportunitiesPage,
} from '@ghl-sync/ghl-client';
import type { SyncDeps } from '../sync-deps.js';

/** Where a listed page goes: its run-wide number, its partition and its place in the partition's chain. */
export interface PagePlace {
  pageNo: number;
  partition: PartitionFilter | null;
  chainPageNo: number;
}

/** What recording a page learned. */
export interface RecordedPage {
  /** The chain ends here: GHL gave no next cursor, or fewer records than a full page. */
  isLast: boolean;
  /** Ids on this page the run had not listed on an earlier page. */
  newIds: number;
}

/**
 * Records one listed page in one statement (marks, `last_seen_run_id`, the page's key range within
 * its partition, run counters). The range ends at the key of the last record that has one, so the
 * page job that re-fetches it with the same filter owns exactly these records and the ones created
 * inside the range since.
 */
export async function recordPage(
  deps: SyncDeps,
  run: Pick<SyncRun, 'id' | 'locationId'>,
  page: SearchOpportunitiesPage,
  place: PagePlace,
): Promise<RecordedPage> {
  const usable = page.opportunities.map((o) => usableOpportunityId(o.id));
  const ids = [...new Set(usable.filter((id): id is string => id !== null))];
  const withoutId = usable.filter((id) => id === null).length;
  let end: GhlCursor | null = null;
  for (let i = page.opportunities.length - 1; i >= 0 && end === null; i--) end = opportunityKey(page.opportunities[i]!);
  const isLast = isLastPage(page, deps.pageSize);
  const { newIds } = await recordListedPage(deps.db, {
    runId: run.id,
    locationId: run.locationId,
    pageNo: place.pageNo,
    partition: place.partition,
    chainPageNo: place.chainPageNo,
    ids,
    start: page.requestCursor,
    end: end ?? page.nextCursor,
    next: isLast ? null : page.nextCursor,
    isLast,
    listed: page.opportunities.length,
    withoutId,
    apiCalls: page.attempts,
    // The run's reported total comes from the unfiltered first page (the listing plan stores it).
    reportedTotal: null,
  });
  return { isLast, newIds };
}

/** The search parameters of a partition (omitted filters are not sent; status defaults to `all`). */
export function partitionParams(partition: PartitionFilter | null): {
  status?: PartitionFilter['status'];
  pipelineId?: string;
  pipelineStageId?: string;
} {
  if (partition === null) return {};
  return {
    ...(partition.status !== undefined && { status: partition.status }),
    ...(partition.pipelineId !== undefined && { pipelineId: partition.pipelineId }),
    ...(partition.pipelineStageId !== undefined && { pipelineStageId: partition.pipelineStageId }),
  };
}

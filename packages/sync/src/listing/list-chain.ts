import type { PartitionFilter, SyncRun } from '@ghl-sync/db';
import { iterateOpportunityPages, type GhlClient, type GhlCursor } from '@ghl-sync/ghl-client';
import type { SyncDeps } from '../sync-deps.js';
import { describePartition } from './plan-partitions.js';
import type { PrefetchedPage } from './prefetch-next-page.js';
import { partitionParams, recordPage } from './record-page.js';

/** Where one cursor chain starts (or resumes). */
export interface ChainStart {
  partition: PartitionFilter | null;
  /** Cursor to request first (exclusive); null = the partition's newest record. */
  cursor: GhlCursor | null;
  /** Chain page number of the first page this chain will record. */
  chainPageNo: number;
  /** Records the partition still holds by its first page's `meta.total` (for ordering chains, largest first). */
  remaining: number;
  /** The answer for `cursor`, asked while the plan was checked: the chain records it instead of asking. */
  prefetched?: PrefetchedPage;
}

/** What every chain of one pass 1 shares. */
export interface ChainShared {
  deps: SyncDeps;
  client: GhlClient;
  run: Pick<SyncRun, 'id' | 'locationId'>;
  log: SyncDeps['logger'];
  /** Hands out run-wide page numbers, in the order pages are recorded. */
  nextPageNo(): number;
  /** Called after every recorded page (progress, cancellation checks). */
  afterPage(): Promise<void>;
  /** True once pass 1 must stop (another chain failed, the run was cancelled). */
  stopped(): boolean;
}

/**
 * One cursor chain: walks a partition from `start` with GHL's keyset cursor, repeating the
 * partition's filters on every request, and records each page before asking for the next. Stops
 * after the partition's last page, or after the page in hand when pass 1 is told to stop (a resumed
 * coordinator goes on after the last recorded page).
 *
 * @throws what `iterateOpportunityPages` throws (`pagination_stalled`, the client's errors).
 */
export async function listChain(shared: ChainShared, start: ChainStart): Promise<void> {
  const { deps, client, run, log } = shared;
  let chainPageNo = start.chainPageNo;
  for await (const page of iterateOpportunityPages(client, {
    limit: deps.pageSize,
    startCursor: start.cursor,
    ...partitionParams(start.partition),
    ...(start.prefetched && { firstPage: start.prefetched.take() }),
  })) {
    if (page.opportunities.length === 0) break;
    const pageNo = shared.nextPageNo();
    const { isLast, newIds } = await recordPage(deps, run, page, { pageNo, partition: start.partition, chainPageNo });
    log.debug(
      {
        page: pageNo,
        chainPage: chainPageNo,
        partition: describePartition(start.partition),
        records: page.opportunities.length,
        newIds,
      },
      'page listed',
    );
    chainPageNo += 1;
    await shared.afterPage();
    if (isLast || shared.stopped()) break;
  }
}

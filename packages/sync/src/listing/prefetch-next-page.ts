import type { PartitionFilter } from '@ghl-sync/db';
import type { GhlClient, SearchOpportunitiesPage } from '@ghl-sync/ghl-client';
import { attemptsOf } from '../attempts-of.js';
import { partitionParams } from './record-page.js';

/**
 * A partition's next page, asked before pass 1 may record anything (while the completeness check
 * waits for the other partitions' first pages). Nothing is recorded from it here: the chain that
 * {@link PrefetchedPage.take takes} it records it once the plan stands; otherwise it is
 * {@link PrefetchedPage.discard discarded} and only its attempts are counted.
 */
export interface PrefetchedPage {
  /** The answer, for the chain that records it (at most once; the page is then the chain's). */
  take(): Promise<SearchOpportunitiesPage>;
  /**
   * Gives the page up unless a chain took it: waits for its answer (or failure) and returns the
   * attempts it spent (0 when taken), so `api_calls` stays exact.
   */
  discard(): Promise<number>;
}

/**
 * Asks for the page after `page` of `partition` now, so that a chain can begin with its answer in
 * hand. Its failure is held, not thrown: the chain that takes the page meets it as if it had asked
 * then, and a discarded page's failure is only counted.
 */
export function prefetchNextPage(
  client: GhlClient,
  pageSize: number,
  partition: PartitionFilter | null,
  page: SearchOpportunitiesPage,
): PrefetchedPage {
  const answer = client.searchOpportunities({
    cursor: page.nextCursor,
    limit: pageSize,
    status: 'all',
    ...partitionParams(partition),
  });
  // Settled and counted whatever happens; also keeps an unused failure from being an unhandled rejection.
  const attempts = answer.then(
    (p) => p.attempts,
    (err: unknown) => attemptsOf(err),
  );
  let taken = false;
  return {
    take() {
      taken = true;
      return answer;
    },
    async discard() {
      if (taken) return 0;
      taken = true;
      return attempts;
    },
  };
}

/**
 * Discards every page of `pages` (see {@link PrefetchedPage.discard}; `undefined`, no page asked
 * ahead, is skipped); returns the attempts they spent.
 */
export async function discardAll(pages: Iterable<PrefetchedPage | undefined>): Promise<number> {
  const spent = await Promise.all([...pages].map((p) => p?.discard() ?? 0));
  return spent.reduce((a, b) => a + b, 0);
}

import type { Queues } from '@ghl-sync/queues';

/** Page jobs waiting to run: plain waiting ones plus prioritised ones (page jobs carry a priority). */
export async function queuedPages(stack: { queues: Queues }): Promise<number> {
  const counts = await stack.queues.page.getJobCounts('wait', 'prioritized');
  return (counts['wait'] ?? 0) + (counts['prioritized'] ?? 0);
}

/**
 * WARNING: queue names are persisted identifiers (Redis keys `<prefix>:<name>:*`). Renaming one
 * orphans every job in flight: drain the queue first or migrate its keys.
 */
export const QUEUE_NAMES = {
  /** One job per location per run: pass 1 (listing), the guarded sweep, then the page flow. */
  coordinator: 'sync-coordinator',
  /** One job per listed page: re-fetch the page's key range and write it. */
  page: 'sync-page',
  /** The flow parent of a run's pages: sums the pages and closes the run. */
  finalize: 'sync-finalize',
  /** Housekeeping: purge old tombstones, recover runs whose coordinator died. */
  maintenance: 'sync-maintenance',
} as const;

export type QueueKey = keyof typeof QUEUE_NAMES;
export type QueueName = (typeof QUEUE_NAMES)[QueueKey];

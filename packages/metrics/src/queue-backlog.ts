/** The parts of a BullMQ `Queue` the metrics read; every `Queue` satisfies it. */
export interface MetricsQueue {
  name: string;
  getJobCounts(...states: string[]): Promise<Record<string, number>>;
  /** Delayed jobs due strictly before `timestamp` (ms since the epoch), as BullMQ's `Queue.getDelayedCount`. */
  getDelayedCount(timestamp?: number): Promise<number>;
}

/** How far ahead a delayed job counts as backlog, in ms. @defaultValue 60_000 */
export const DEFAULT_BACKLOG_HORIZON_MS = 60_000;

/**
 * The jobs a worker holds or will run soon: `active + waiting + prioritized` plus the delayed jobs
 * due within `horizonMs`. This is what an autoscaler should scale workers on:
 * - page jobs are prioritised (BullMQ's `prioritized` set, not the `wait` list), so a wait-list
 *   length alone misses them;
 * - a page job waiting for its location's rate budget and a job retrying after a backoff sit in
 *   `delayed` for seconds, and are work;
 * - every location's schedule keeps its next fire in the coordinator queue's `delayed` set, up to
 *   a schedule period ahead: counting all of `delayed` would read thousands of scheduled
 *   locations as permanent backlog. A fire within the horizon is imminent work and counts.
 * - active jobs count so that a scale-down never targets fewer workers than jobs in hand.
 * @param nowMs the clock delays are compared with (BullMQ uses the producer's clock for delays).
 * @throws whatever BullMQ throws when Redis does not answer (the caller decides how a failed scrape reads).
 */
export async function countQueueBacklog(
  queue: MetricsQueue,
  nowMs: number,
  horizonMs = DEFAULT_BACKLOG_HORIZON_MS,
): Promise<number> {
  const [counts, dueDelayed] = await Promise.all([
    queue.getJobCounts('active', 'waiting', 'prioritized'),
    queue.getDelayedCount(Math.round(nowMs + horizonMs) + 1),
  ]);
  return (counts['active'] ?? 0) + (counts['waiting'] ?? 0) + (counts['prioritized'] ?? 0) + dueDelayed;
}

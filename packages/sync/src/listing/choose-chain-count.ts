/** Inputs of {@link chooseChainCount}. */
export interface ChainCountInput {
  /** How long one search request took to answer, in ms (measured on the run's first page). */
  answerMs: number;
  /** Requests per second the location's budget allows (after the safety margin). */
  requestsPerSecond: number;
  /** Never fewer chains than this (LISTING_MIN_CHAINS). @defaultValue 1 */
  minChains: number;
  /** Never more chains than this (LISTING_MAX_CHAINS). */
  maxChains: number;
}

/**
 * Headroom over the bare estimate: answers vary (GHL's and the sandbox's jitter), and a chain that
 * waits on a slow answer must not leave the budget idle.
 */
const HEADROOM = 1.25;

/**
 * How many cursor chains pass 1 runs at once so that listing is bound by the rate budget, not by
 * GHL's answer time. Each chain has one request in flight, so it sends 1000 / answerMs requests a
 * second; the budget is kept busy with `requestsPerSecond × answerMs / 1000` chains (Little's law),
 * plus headroom. A fast API gets one chain (no partitions, no extra requests); a slow one many.
 *
 * @returns an integer in [max(1, minChains), max(1, maxChains)].
 */
export function chooseChainCount(input: ChainCountInput): number {
  const wanted = Math.ceil(input.requestsPerSecond * (Math.max(0, input.answerMs) / 1000) * HEADROOM);
  const max = Math.max(1, Math.floor(input.maxChains));
  const min = Math.min(max, Math.max(1, Math.floor(input.minChains)));
  return Math.min(max, Math.max(min, wanted));
}

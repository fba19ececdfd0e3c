/**
 * Full-jitter exponential backoff: a uniform random wait in `[0, min(maxMs, baseMs * 2^(retry-1))]`.
 * Full jitter spreads a fleet of workers that failed together (AWS Architecture Blog, "Exponential Backoff And Jitter").
 *
 * @param retry - 1 for the first retry
 * @param baseMs - ceiling of the first retry's wait, in milliseconds
 * @param maxMs - cap of the ceiling, in milliseconds
 * @param random - source of [0, 1) numbers (injectable for tests) @defaultValue Math.random
 */
export function fullJitterBackoffMs(
  retry: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

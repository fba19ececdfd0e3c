/** The outcome of one {@link TimeBoxedReading.read}. */
export interface Reading<T> {
  /** The freshest value there is: this read's, or the last good one when this read failed. */
  value: T | undefined;
  /** Whether the dependency answered this time (within the time box). */
  ok: boolean;
}

/** A dependency read that answers within a time box and is shared by scrapes close together. */
export interface TimeBoxedReading<T> {
  read(): Promise<Reading<T>>;
}

/** Options for {@link timeBoxedReading}. */
export interface TimeBoxedReadingOptions {
  /** How long a read may take before the scrape goes on without it, in ms. */
  timeoutMs: number;
  /** How long a good value is served without reading again, in ms. */
  cacheMs: number;
  /** The clock; replaced in tests. @defaultValue Date.now */
  now?: () => number;
}

/**
 * Wraps a dependency read (Redis job counts, a Postgres `GROUP BY`) for a metrics scrape: a scrape
 * never waits more than `timeoutMs` for it (a dependency that hangs does not hang `/metrics`), a
 * good value is reused for `cacheMs` (an unauthenticated scrape cannot make every request hit
 * Postgres and Redis), and a read still running is joined, not repeated (scrapes during an outage
 * do not pile up reads). When a read fails or times out the last good value is served with
 * `ok: false`, which the caller reports as its dependency being down.
 */
export function timeBoxedReading<T>(read: () => Promise<T>, options: TimeBoxedReadingOptions): TimeBoxedReading<T> {
  const now = options.now ?? Date.now;
  let last: { value: T; atMs: number } | undefined;
  let inFlight: Promise<T> | undefined;
  return {
    async read() {
      if (last && now() - last.atMs < options.cacheMs) return { value: last.value, ok: true };
      if (!inFlight) {
        const started = read();
        inFlight = started;
        started.then(
          (value) => {
            last = { value, atMs: now() };
          },
          () => undefined,
        );
        void started
          .finally(() => {
            if (inFlight === started) inFlight = undefined;
          })
          .catch(() => undefined);
      }
      const pending = inFlight;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), options.timeoutMs);
        timer.unref();
      });
      try {
        const outcome = await Promise.race([pending.then((value) => ({ value })), timedOut]);
        if (outcome === 'timeout') return { value: last?.value, ok: false };
        return { value: outcome.value, ok: true };
      } catch {
        return { value: last?.value, ok: false };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Seconds with one decimal, e.g. `12.3 s`. */
export const seconds = (ms: number | null | undefined): string =>
  ms === null || ms === undefined || !Number.isFinite(ms) ? 'n/a' : `${(ms / 1000).toFixed(1)} s`;

/** A ratio with two decimals and a ×, e.g. `1.07×`. */
export const ratio = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}×` : 'n/a');

/** Mebibytes with one decimal. */
export const mib = (bytes: number | null | undefined): string =>
  bytes === null || bytes === undefined ? 'n/a' : `${(bytes / 1024 ** 2).toFixed(1)} MB`;

/** An integer with thousands separators. */
export const int = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Waits `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

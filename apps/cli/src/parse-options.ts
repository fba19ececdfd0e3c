import { GhlSyncError } from '@ghl-sync/errors';

/**
 * Parses a numeric CLI option: a whole number within [min, max], or undefined when absent.
 * @throws GhlSyncError `invalid_argument` naming the option and what it got.
 */
export function parseIntOption(
  name: string,
  value: string | undefined,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new GhlSyncError(
      'invalid_argument',
      `--${name} must be a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}, got "${value}"`,
    );
  }
  return n;
}

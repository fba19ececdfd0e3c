import { GhlSyncError } from '@ghl-sync/errors';

// The ids ghl-sync's tables accept, checked at every edge (API, CLI) so that a value that can
// never be stored is refused with a clear error instead of reaching Postgres.

/**
 * What ghl-sync accepts as a location id: 1 to 64 characters from `A-Z a-z 0-9 _ -`. GHL does not
 * document a format (docs/reference/ghl-api.md types `locationId` as a plain string); the ids it
 * issues are short alphanumeric strings, which the sandbox imitates with 20 characters. The wider
 * set leaves room for ids tests choose, while refusing what can only be a mistake (spaces, NUL,
 * `/`, control characters) before it reaches Postgres or a GHL URL.
 */
export const LOCATION_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Largest run id there can be: `ghl.sync_runs.id` is a Postgres `integer`. */
export const MAX_RUN_ID = 2_147_483_647;

/** The rule in words, for error messages and docs. */
export const LOCATION_ID_RULE = '1 to 64 characters from A-Z, a-z, 0-9, "_" and "-"';

/** Whether `value` is a location id ghl-sync accepts ({@link LOCATION_ID_PATTERN}). */
export function isLocationId(value: unknown): value is string {
  return typeof value === 'string' && LOCATION_ID_PATTERN.test(value);
}

/**
 * Returns `value` when it is a valid location id.
 * @param what - how the caller names the value in the message, e.g. `locationId` or `<locationId>`.
 * @throws GhlSyncError `invalid_argument` (not retryable) saying the rule; the value is quoted
 *   with JSON escapes, so a NUL or a newline shows as `\u0000` / `\n` rather than breaking the line.
 */
export function requireLocationId(value: string, what = 'location id'): string {
  if (isLocationId(value)) return value;
  throw new GhlSyncError('invalid_argument', `${what} must be ${LOCATION_ID_RULE}; got ${JSON.stringify(value)}`, {
    details: { rule: LOCATION_ID_RULE },
  });
}

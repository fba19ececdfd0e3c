import type { ErrorCode } from '@ghl-sync/errors';

/** HTTP status for a {@link GhlSyncError} code raised by a repository or a queue call. */
const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  invalid_argument: 400,
  config_invalid: 500,
  location_not_found: 404,
  run_not_found: 404,
  run_already_active: 409,
  location_needs_reconnect: 409,
  db_error: 503,
  redis_error: 503,
};

/** 500 for anything not listed: an unexpected code is a bug, not the caller's fault. */
export function statusForError(code: ErrorCode): number {
  return STATUS_BY_CODE[code] ?? 500;
}

import { ERROR_CODES, type ErrorCode } from './error-codes.js';

/** Options for {@link GhlSyncError}. */
export interface GhlSyncErrorOptions {
  /** The underlying error, kept as `cause`. */
  cause?: unknown;
  /** Extra structured facts (never secrets): status code, run id, active run id... */
  details?: Record<string, unknown>;
  /** Overrides the registry's retryable flag for this instance (e.g. a 5xx after the last attempt). */
  retryable?: boolean;
}

/**
 * Base class of every error ghl-sync throws on purpose. `code` is stable (see {@link ERROR_CODES});
 * `retryable` tells callers (BullMQ processors, the CLI) whether trying again may help.
 */
export class GhlSyncError extends Error {
  override readonly name: string = 'GhlSyncError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: GhlSyncErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? ERROR_CODES[code].retryable;
    this.details = options.details ?? {};
  }

  /** A JSON-safe view for logs and API bodies. */
  toJSON(): { name: string; code: ErrorCode; message: string; retryable: boolean; details: Record<string, unknown> } {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      details: this.details,
    };
  }
}

/** True when `err` is a {@link GhlSyncError}, optionally with the given code. */
export function isGhlSyncError(err: unknown, code?: ErrorCode): err is GhlSyncError {
  return err instanceof GhlSyncError && (code === undefined || err.code === code);
}

/**
 * True when `err` says the connection to a dependency was lost while the call used it (a Postgres
 * backend terminated, the server restarting or refusing connections): the work itself did not
 * fail, and the next try on a new connection may succeed at once. Set by the db package as
 * `details.connectionLost` on a `db_error`.
 */
export function isConnectionLoss(err: unknown): err is GhlSyncError {
  return isGhlSyncError(err) && err.details['connectionLost'] === true;
}

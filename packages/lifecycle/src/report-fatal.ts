import { isGhlSyncError } from '@ghl-sync/errors';

/** The logger shape a fatal report needs (a pino logger fits). */
export interface FatalLogger {
  fatal(o: object, m?: string): void;
  flush?(cb?: (err?: Error) => void): void;
}

/**
 * Logs the one line a dying process leaves: for a named error (config, Postgres, Redis...) its
 * `code` and message and no stack, since the message says all an operator needs; anything else
 * is a bug and is logged with its stack.
 */
export function reportFatal(logger: FatalLogger, err: unknown, msg: string): void {
  if (isGhlSyncError(err) && err.code !== 'internal_error') {
    const pgCode = err.details['pgCode'];
    logger.fatal({ code: err.code, retryable: err.retryable, ...(pgCode ? { pgCode } : {}) }, `${msg}: ${err.message}`);
    return;
  }
  logger.fatal({ code: 'internal_error', err }, `${msg}: ${(err as Error)?.message ?? String(err)}`);
}

/** Waits until the logger has written what it holds, at most `timeoutMs`. */
export async function flushLogger(logger: FatalLogger, timeoutMs = 2_000): Promise<void> {
  if (!logger.flush) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    timer.unref();
    try {
      logger.flush!(() => {
        clearTimeout(timer);
        resolve();
      });
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}

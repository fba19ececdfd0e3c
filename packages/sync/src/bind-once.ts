import type { SyncLogger } from './sync-deps.js';

/**
 * A child of `logger` that adds only the bindings it does not already carry with the same value.
 * pino writes every binding of every child level (and every field of a log call) as its own JSON
 * key, so a processor that re-binds the `runId` the worker already bound would print
 * `"runId":17,"runId":17`. Undefined values are left out; loggers
 * without `bindings()` get every other binding.
 */
export function bindOnce(logger: SyncLogger, bindings: Record<string, unknown>): SyncLogger {
  const bound = logger.bindings?.() ?? {};
  const extra = Object.fromEntries(
    Object.entries(bindings).filter(([key, value]) => value !== undefined && bound[key] !== value),
  );
  return Object.keys(extra).length === 0 ? logger : logger.child(extra);
}

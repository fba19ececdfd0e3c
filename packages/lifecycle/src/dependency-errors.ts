/** The dependencies whose connection-level errors a process survives (docs/reliability.md). */
export type Dependency = 'postgres' | 'redis' | 'http';

/** Where a connection-level error is counted (a prom-client `Counter<'dependency' | 'source'>` fits). */
export interface DependencyErrorCounter {
  inc(labels: { dependency: Dependency; source: string }): void;
}

/** The logger shape the reporter needs (a pino logger fits). */
export interface DependencyErrorLogger {
  warn(o: object, m?: string): void;
}

/**
 * Reports one connection-level `error` event of a dependency: counted always, logged unless the
 * emitter's own listener logged it already (`logged: true`).
 */
export type ReportDependencyError = (
  dependency: Dependency,
  source: string,
  err: Error,
  options?: { logged?: boolean },
) => void;

/**
 * Builds the one listener body every dependency `error` event of a process goes through (pg
 * clients, ioredis connections, BullMQ queues, flow producer and workers, HTTP servers). These
 * events say a connection failed; the call that used it fails on its own (a job attempt, a
 * request), the client reconnects, and the process keeps serving. Only the message and code are
 * logged: connection errors carry no secrets, but their objects hold sockets and configs.
 */
export function createDependencyErrorReporter(deps: {
  logger: DependencyErrorLogger;
  counter: DependencyErrorCounter;
}): ReportDependencyError {
  return (dependency, source, err, options = {}) => {
    deps.counter.inc({ dependency, source });
    if (options.logged) return;
    const code = (err as { code?: unknown }).code;
    deps.logger.warn(
      { dependency, source, err: { message: err.message, ...(code ? { code } : {}) } },
      `${dependency} ${source} error`,
    );
  };
}

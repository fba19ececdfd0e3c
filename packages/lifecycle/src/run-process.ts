import { GhlSyncError } from '@ghl-sync/errors';
import { installGracefulShutdown } from './graceful-shutdown.js';
import { flushLogger, reportFatal, type FatalLogger } from './report-fatal.js';
import { createShutdownRegistry, type LifecycleLogger, type ShutdownRegistry } from './shutdown-registry.js';

/** The logger a long-running process needs. */
export type ProcessLogger = LifecycleLogger & FatalLogger;

/** What `start` gets. */
export interface ProcessContext<C, L extends ProcessLogger> {
  config: C;
  logger: L;
  /** Register every resource as it is opened; it is closed at shutdown or after a failed start. */
  registry: ShutdownRegistry;
}

/** Options for {@link runProcess}. */
export interface RunProcessOptions<C, L extends ProcessLogger> {
  /** Loads and validates config; throws `config_invalid` listing every problem. */
  loadConfig(): C;
  /** Builds the root logger; `config` is undefined when config itself failed. */
  createLogger(config: C | undefined): L;
  /** Opens everything and starts serving; throws when a dependency is missing. */
  start(ctx: ProcessContext<C, L>): Promise<void>;
  /** How long shutdown may take after SIGTERM, in ms. */
  graceMs(config: C): number;
  /** Watch the parent process and shut down when it exits, checked this often in ms; 0 = off. */
  parentCheckMs(config: C): number;
  /** Exits the process; replaced in tests. @defaultValue process.exit */
  exit?: (code: number) => void;
  /** Budget for closing what a failed start opened, in ms. @defaultValue 3_000 */
  failedStartCloseMs?: number;
  /**
   * How long a SIGTERM or SIGINT that arrives during start-up waits for the start to end, in ms;
   * after it the process closes what it opened and exits 1. @defaultValue 5_000
   */
  interruptedStartMs?: number;
}

/** A started process. */
export interface StartedProcess<C, L extends ProcessLogger> extends ProcessContext<C, L> {
  /** Triggers the graceful shutdown (as SIGTERM would). */
  shutdown(signal?: string): Promise<void>;
}

/**
 * The one bootstrap of a long-running process (worker, API): config → logger → process-level
 * error policy → start (resources registered as they open) → graceful shutdown on SIGTERM/SIGINT.
 *
 * A SIGTERM or SIGINT that arrives during start-up is held and starts the graceful shutdown
 * as soon as the start is over (a failed start still exits 1); a start still going
 * `interruptedStartMs` after the signal is abandoned: what it opened is closed, exit 1.
 *
 * A process that cannot start dies the same way every time: one structured fatal line (code and
 * message; a stack only for what is a bug), what was opened is closed within
 * `failedStartCloseMs`, the log is flushed, and it exits 1. An `uncaughtException` or
 * `unhandledRejection` is logged with its stack, flushed, and exits 1 at once, so a supervisor
 * restarts a process whose state nobody can vouch for; BullMQ hands its jobs to other workers.
 * @returns the started process, or never returns when start-up failed (the process exits).
 */
export async function runProcess<C, L extends ProcessLogger>(
  options: RunProcessOptions<C, L>,
): Promise<StartedProcess<C, L>> {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let config: C | undefined;
  let logger: L | undefined;
  // One way to die, once: a start given up after a signal may still fail (or end) afterwards.
  let dying: Promise<never> | undefined;
  const die = (err: unknown, msg: string, registry?: ShutdownRegistry): Promise<never> =>
    (dying ??= dieOnce(err, msg, registry));
  const dieOnce = async (err: unknown, msg: string, registry?: ShutdownRegistry): Promise<never> => {
    const log = logger ?? options.createLogger(config);
    reportFatal(log, err, msg);
    if (registry) {
      const budget = options.failedStartCloseMs ?? 3_000;
      await Promise.race([
        registry.closeAll({ stepTimeoutMs: budget }),
        new Promise((resolve) => setTimeout(resolve, budget).unref()),
      ]);
    }
    await flushLogger(log);
    exit(1);
    // Only reached when `exit` is replaced (tests): never resolve, like a real exit.
    return new Promise<never>(() => undefined);
  };

  try {
    config = options.loadConfig();
  } catch (err) {
    return die(err, 'invalid configuration');
  }
  const log = (logger = options.createLogger(config));
  const unexpected = (event: string) => (err: unknown) => {
    log.fatal({ code: 'internal_error', event, err }, `${event}: exiting`);
    void flushLogger(log).then(() => exit(1));
  };
  process.on('uncaughtException', unexpected('uncaughtException'));
  process.on('unhandledRejection', unexpected('unhandledRejection'));

  const registry = createShutdownRegistry();
  // Without a listener Node leaves SIGTERM to its default action, which kills the process at once:
  // a supervisor that stops a process as soon as it says it started (its last start-up log line is
  // out before start() returns) would get no graceful shutdown and no exit 0. So a signal that
  // arrives while starting is held, and honoured as soon as the start is over.
  // A start that never ends (a dependency that never answers) must not leave the process deaf to
  // the signal either: past `interruptedStartMs` it closes what it opened and exits 1.
  let held: NodeJS.Signals | undefined;
  let starting = true;
  const hold = (signal: NodeJS.Signals) => () => {
    if (held) return;
    held = signal;
    const waitMs = options.interruptedStartMs ?? 5_000;
    setTimeout(() => {
      if (!starting) return;
      const err = new GhlSyncError(
        'start_interrupted',
        `${signal} arrived while starting, and the start did not end within ${waitMs} ms`,
      );
      void die(err, 'stopped while starting', registry);
    }, waitMs).unref();
  };
  const holdTerm = hold('SIGTERM');
  const holdInt = hold('SIGINT');
  process.on('SIGTERM', holdTerm);
  process.on('SIGINT', holdInt);
  try {
    await options.start({ config, logger: log, registry });
  } catch (err) {
    process.off('SIGTERM', holdTerm);
    process.off('SIGINT', holdInt);
    return die(err, 'could not start', registry);
  } finally {
    starting = false;
  }
  const shutdown = installGracefulShutdown({
    registry,
    graceMs: options.graceMs(config),
    parentCheckMs: options.parentCheckMs(config),
    logger: log,
    exit,
  });
  // Removed only once the real handlers are on, so that no instant is left without a listener.
  process.off('SIGTERM', holdTerm);
  process.off('SIGINT', holdInt);
  // A start abandoned after its signal is already closing and exiting: no second shutdown.
  if (dying) return dying;
  if (held) void shutdown(held);
  return { config, logger: log, registry, shutdown };
}

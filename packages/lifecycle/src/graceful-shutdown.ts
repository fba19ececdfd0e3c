import { createShutdownRegistry, type LifecycleLogger, type ShutdownRegistry } from './shutdown-registry.js';

/** Options for {@link installGracefulShutdown}. */
export interface GracefulShutdownOptions {
  /** What to close, in the registry's order. */
  registry: ShutdownRegistry;
  /** How long the closers may take in total before the process exits anyway, in ms. @defaultValue 30_000 */
  graceMs?: number;
  logger: LifecycleLogger;
  /** Exits the process; replaced in tests. @defaultValue process.exit */
  exit?: (code: number) => void;
  /**
   * Also shut down when the parent process goes away, checked this often in ms (0 = never). Off by
   * default: a daemon started with `nohup … &` or by a supervisor must outlive the shell that
   * started it. The demo and the test kit turn it on for the workers they spawn, so an interrupted
   * demo or test run leaves no orphan taking jobs. @defaultValue 0
   */
  parentCheckMs?: number;
}

/**
 * On SIGTERM or SIGINT closes the registry (stop accepting → finish active jobs → close queues →
 * Redis → Postgres), once. Exit 0 when all closed within the grace period (so a supervisor reads a
 * clean SIGTERM as success), 1 otherwise: jobs still active then are left to BullMQ's stalled-job
 * recovery on another worker.
 * @returns a function that triggers the same shutdown (for tests and the demo).
 */
export function installGracefulShutdown(options: GracefulShutdownOptions): (signal?: string) => Promise<void> {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const graceMs = options.graceMs ?? 30_000;
  let shutting: Promise<void> | null = null;
  const shutdown = (signal = 'manual'): Promise<void> => {
    if (shutting) return shutting;
    shutting = (async () => {
      options.logger.info({ signal, graceMs }, 'shutting down');
      const timer = setTimeout(() => {
        options.logger.error({ signal }, 'grace period over; exiting with jobs still active');
        exit(1);
      }, graceMs);
      timer.unref();
      const ok = await options.registry.closeAll({ logger: options.logger });
      clearTimeout(timer);
      exit(ok ? 0 : 1);
    })();
    return shutting;
  };
  // `on`, not `once`: a second signal (a supervisor that signals every process of the group while
  // `ghl-sync worker` also passes it on to its heap-capped child) must not kill the process in the
  // middle of its shutdown; the grace period bounds it.
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  const parentCheckMs = options.parentCheckMs ?? 0;
  if (parentCheckMs > 0) {
    const parent = process.ppid;
    const timer = setInterval(() => {
      // A dead parent's children are re-parented (to init or a subreaper), so ppid changes.
      if (process.ppid !== parent) {
        clearInterval(timer);
        void shutdown('parent-exited');
      }
    }, parentCheckMs);
    timer.unref();
  }
  return shutdown;
}

/** A registry holding `closers` in the given order (for callers that built their list by hand). */
export function registryOf(closers: Array<{ name: string; close(): Promise<void> }>): ShutdownRegistry {
  const registry = createShutdownRegistry();
  for (const closer of [...closers].reverse()) registry.register(closer.name, () => closer.close());
  return registry;
}

/** A named step of shutdown, run in registration order. */
export interface Closer {
  name: string;
  close(): Promise<void>;
}

/** Options for {@link installGracefulShutdown}. */
export interface GracefulShutdownOptions {
  closers: Closer[];
  /** How long the closers may take in total before the process exits anyway, in ms. @defaultValue 30_000 */
  graceMs?: number;
  logger: { info(o: object, m?: string): void; error(o: object, m?: string): void };
  /** Exits the process; replaced in tests. @defaultValue process.exit */
  exit?: (code: number) => void;
  /**
   * Also shut down when the parent process goes away, checked this often in ms (0 = never).
   * `npx ghl-sync worker` runs the worker under npm, which exits on SIGTERM without passing the
   * signal on; without this the worker would be orphaned and keep taking jobs. @defaultValue 1_000
   */
  parentCheckMs?: number;
}

/**
 * On SIGTERM or SIGINT runs the closers in order (stop accepting → finish active jobs → close
 * queues → Redis → Postgres), once. Exit 0 when all closed within the grace period (so a supervisor
 * reads a clean SIGTERM as success), 1 otherwise:
 * jobs still active then are left to BullMQ's stalled-job recovery on another worker.
 * @returns a function that triggers the same shutdown (for tests and the demo).
 */
export function installGracefulShutdown(options: GracefulShutdownOptions): (signal?: string) => Promise<void> {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let shutting: Promise<void> | null = null;
  const shutdown = (signal = 'manual'): Promise<void> => {
    if (shutting) return shutting;
    shutting = (async () => {
      options.logger.info({ signal, graceMs: options.graceMs ?? 30_000 }, 'shutting down');
      const timer = setTimeout(() => {
        options.logger.error({ signal }, 'grace period over; exiting with jobs still active');
        exit(1);
      }, options.graceMs ?? 30_000);
      timer.unref();
      let failed = false;
      for (const closer of options.closers) {
        try {
          await closer.close();
          options.logger.info({ step: closer.name }, 'closed');
        } catch (err) {
          failed = true;
          options.logger.error({ step: closer.name, err: { message: (err as Error).message } }, 'close failed');
        }
      }
      clearTimeout(timer);
      exit(failed ? 1 : 0);
    })();
    return shutting;
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  const parentCheckMs = options.parentCheckMs ?? 1_000;
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

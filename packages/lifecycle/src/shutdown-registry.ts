/** A named step of shutdown. */
export interface Closer {
  name: string;
  close(): Promise<void>;
}

/** The logger shape lifecycle needs (a pino logger fits). */
export interface LifecycleLogger {
  info(o: object, m?: string): void;
  error(o: object, m?: string): void;
}

/**
 * What a process holds open, registered as it is opened and closed in the reverse order: the
 * last thing opened (the workers, the HTTP server) stops first, the first (the Postgres pool) last.
 */
export interface ShutdownRegistry {
  /** Registers a resource to close at shutdown. Registering after `closeAll` started closes nothing more. */
  register(name: string, close: () => Promise<unknown> | unknown): void;
  /** The registered steps in the order `closeAll` runs them (last registered first). */
  readonly closers: readonly Closer[];
  /**
   * Runs every step once, in order, continuing after a failed step (logged). A step that takes
   * longer than `stepTimeoutMs` is abandoned and counts as failed. Idempotent: a second call
   * returns the first call's promise.
   * @returns true when every step closed.
   */
  closeAll(options?: { logger?: LifecycleLogger; stepTimeoutMs?: number }): Promise<boolean>;
}

/** Builds an empty {@link ShutdownRegistry}. */
export function createShutdownRegistry(): ShutdownRegistry {
  const steps: Closer[] = [];
  let closing: Promise<boolean> | undefined;
  return {
    register(name, close) {
      steps.unshift({ name, close: async () => void (await close()) });
    },
    get closers() {
      return [...steps];
    },
    closeAll({ logger, stepTimeoutMs } = {}) {
      closing ??= (async () => {
        let ok = true;
        for (const step of [...steps]) {
          try {
            await withTimeout(step.close(), stepTimeoutMs, step.name);
            logger?.info({ step: step.name }, `closed ${step.name}`);
          } catch (err) {
            ok = false;
            logger?.error({ step: step.name, err: { message: (err as Error).message } }, 'close failed');
          }
        }
        return ok;
      })();
      return closing;
    },
  };
}

async function withTimeout(promise: Promise<void>, ms: number | undefined, name: string): Promise<void> {
  if (!ms) return promise;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${name} did not close within ${ms} ms`)), ms);
        timer.unref();
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

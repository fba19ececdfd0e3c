import { loadConfig, type Config } from '@ghl-sync/config';
import { runProcess } from '@ghl-sync/lifecycle';
import { createLogger } from '@ghl-sync/logger';
import { tracingFromConfig } from '@ghl-sync/telemetry';
import { startWorker } from './start-worker.js';

/** How often a worker with `EXIT_WITH_PARENT` checks that its parent is alive, in ms. */
const PARENT_CHECK_MS = 1_000;

/**
 * The worker process: config → logger → tracing (when `OTEL_EXPORTER_OTLP_ENDPOINT` is set) → dependency check → workers, schedulers and /metrics →
 * ordered shutdown on SIGTERM/SIGINT. Used by `apps/worker` and `ghl-sync worker`. A worker that
 * cannot start (bad config, Postgres or Redis down, database not migrated) logs one fatal line
 * and exits 1 within a few seconds.
 * @param overrides - config values that win over the environment (CLI flags).
 */
export async function runWorkerProcess(overrides: Partial<Record<keyof Config, unknown>> = {}): Promise<void> {
  await runProcess({
    loadConfig: () => loadConfig(undefined, overrides),
    createLogger: (config) => createLogger({ name: 'worker', level: config?.LOG_LEVEL, format: config?.LOG_FORMAT }),
    start: async ({ config, logger, registry }) => {
      // Registered first so it closes last: the spans of the jobs the shutdown lets finish are exported.
      const tracing = tracingFromConfig(config, 'ghl-sync-worker');
      if (tracing)
        registry.register('tracing', async () => {
          const lost = await tracing.shutdown();
          if (lost) logger.warn({ err: { message: lost.message } }, 'tracing: the last spans could not be exported');
        });
      await startWorker(config, logger, registry);
    },
    graceMs: (config) => config.SHUTDOWN_GRACE_MS,
    parentCheckMs: (config) => (config.EXIT_WITH_PARENT ? PARENT_CHECK_MS : 0),
  });
}

import { loadConfig, type Config } from '@ghl-sync/config';
import { runProcess } from '@ghl-sync/lifecycle';
import { createLogger } from '@ghl-sync/logger';
import { tracingFromConfig } from '@ghl-sync/telemetry';
import { startApi } from './start-api.js';

/** How often an API with `EXIT_WITH_PARENT` checks that its parent is alive, in ms. */
const PARENT_CHECK_MS = 1_000;

/**
 * The admin API process: config → logger → tracing (when `OTEL_EXPORTER_OTLP_ENDPOINT` is set) → Postgres, Redis, queues → listen → ordered shutdown
 * on SIGTERM/SIGINT. Used by `apps/api` and `ghl-sync api`. An API that cannot start (bad config,
 * no `ADMIN_TOKEN`, port taken) logs one fatal line and exits 1 within a few seconds.
 * @param overrides - config values that win over the environment (CLI flags).
 */
export async function runApiProcess(overrides: Partial<Record<keyof Config, unknown>> = {}): Promise<void> {
  await runProcess({
    loadConfig: () => loadConfig(undefined, overrides),
    createLogger: (config) => createLogger({ name: 'api', level: config?.LOG_LEVEL, format: config?.LOG_FORMAT }),
    start: async ({ config, logger, registry }) => {
      // Registered first so it closes last, after the last request's spans ended.
      const tracing = tracingFromConfig(config, 'ghl-sync-api');
      if (tracing)
        registry.register('tracing', async () => {
          const lost = await tracing.shutdown();
          if (lost) logger.warn({ err: { message: lost.message } }, 'tracing: the last spans could not be exported');
        });
      await startApi(config, logger, {}, registry);
    },
    graceMs: (config) => config.SHUTDOWN_GRACE_MS,
    parentCheckMs: (config) => (config.EXIT_WITH_PARENT ? PARENT_CHECK_MS : 0),
  });
}

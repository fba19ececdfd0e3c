import { loadConfig } from '@ghl-sync/config';
import { isGhlSyncError } from '@ghl-sync/errors';
import { createLogger } from '@ghl-sync/logger';
import { installGracefulShutdown } from '@ghl-sync/lifecycle';
import { startApi } from './start-api.js';

// Composition root: config → logger → build and listen → shutdown wiring. Nothing else.
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ name: 'api', level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  try {
    const api = await startApi(config, logger);
    installGracefulShutdown({ closers: api.closers, graceMs: config.SHUTDOWN_GRACE_MS, logger });
  } catch (err) {
    logger.fatal({ err }, 'admin API failed to start');
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  // Config errors come before the logger exists; their message lists every problem, no secrets.
  console.error(isGhlSyncError(err) ? `${err.code}: ${err.message}` : err);
  process.exitCode = 1;
});

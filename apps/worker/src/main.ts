import { loadConfig } from '@ghl-sync/config';
import { createLogger } from '@ghl-sync/logger';
import { installGracefulShutdown } from '@ghl-sync/lifecycle';
import { startWorker } from './start-worker.js';

// Composition root of a worker process: config → logger → build → start; signals → ordered stop.
const config = loadConfig();
const logger = createLogger({ name: 'worker', level: config.LOG_LEVEL, format: config.LOG_FORMAT });
const running = await startWorker(config, logger);
installGracefulShutdown({ closers: running.closers, graceMs: config.SHUTDOWN_GRACE_MS, logger });

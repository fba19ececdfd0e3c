import type { Command } from 'commander';
import { loadConfig } from '@ghl-sync/config';
import { createLogger } from '@ghl-sync/logger';
import { installGracefulShutdown } from '@ghl-sync/lifecycle';
import { startWorker } from '@ghl-sync/worker';
import { parseIntOption } from '../parse-options.js';

/** `ghl-sync worker`: one worker process for the coordinator, page and finalize queues. */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run a worker process (coordinator, page, finalize and maintenance queues) until SIGTERM')
    .option('--concurrency <n>', 'page jobs this process runs at once (WORKER_CONCURRENCY)')
    .action(async (opts: { concurrency?: string }) => {
      const config = loadConfig(undefined, {
        WORKER_CONCURRENCY: parseIntOption('concurrency', opts.concurrency, 1, 500),
      });
      const logger = createLogger({ name: 'worker', level: config.LOG_LEVEL, format: config.LOG_FORMAT });
      const running = await startWorker(config, logger);
      installGracefulShutdown({ closers: running.closers, graceMs: config.SHUTDOWN_GRACE_MS, logger });
    });
}

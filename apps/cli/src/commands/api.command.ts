import type { Command } from 'commander';
import { startApi } from '@ghl-sync/api';
import { loadConfig } from '@ghl-sync/config';
import { installGracefulShutdown } from '@ghl-sync/lifecycle';
import { createLogger } from '@ghl-sync/logger';

/** `ghl-sync api`: the admin API and the Bull Board dashboard, until SIGTERM. */
export function registerApiCommand(program: Command): void {
  program
    .command('api')
    .description(
      'run the admin API (/api/*, /health, /ready, /metrics) and Bull Board (/admin/queues); needs ADMIN_TOKEN',
    )
    .option('--port <port>', 'port to listen on (API_PORT)')
    .action(async (opts: { port?: string }) => {
      const config = loadConfig(undefined, { API_PORT: opts.port });
      const logger = createLogger({ name: 'api', level: config.LOG_LEVEL, format: config.LOG_FORMAT });
      const running = await startApi(config, logger);
      logger.info({ url: running.url }, `admin API on ${running.url} · dashboard ${running.url}/admin/queues`);
      installGracefulShutdown({ closers: running.closers, graceMs: config.SHUTDOWN_GRACE_MS, logger });
    });
}

import type { Command } from 'commander';
import { runApiProcess } from '@ghl-sync/api';

/** `ghl-sync api`: the admin API and the Bull Board dashboard, until SIGTERM. */
export function registerApiCommand(program: Command): void {
  program
    .command('api')
    .description(
      'run the admin API (/api/*, /health, /ready, /metrics) and Bull Board (/admin/queues); needs ADMIN_TOKEN',
    )
    .option('--port <port>', 'port to listen on (API_PORT)')
    .option('--exit-with-parent', 'stop when the process that started this one exits (EXIT_WITH_PARENT)')
    .action(async (opts: { port?: string; exitWithParent?: boolean }) => {
      await runApiProcess({ API_PORT: opts.port, EXIT_WITH_PARENT: opts.exitWithParent ? 'true' : undefined });
    });
}

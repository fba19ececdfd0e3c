import type { Command } from 'commander';
import { runWorkerProcess } from '@ghl-sync/worker';
import { parseIntOption } from '../parse-options.js';

/** `ghl-sync worker`: one worker process for the coordinator, page, finalize and maintenance queues. */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run a worker process (coordinator, page, finalize and maintenance queues) until SIGTERM')
    .option('--concurrency <n>', 'page jobs this process runs at once (WORKER_CONCURRENCY)')
    .option('--exit-with-parent', 'stop when the process that started this one exits (EXIT_WITH_PARENT)')
    .action(async (opts: { concurrency?: string; exitWithParent?: boolean }) => {
      await runWorkerProcess({
        WORKER_CONCURRENCY: parseIntOption('concurrency', opts.concurrency, 1, 500),
        EXIT_WITH_PARENT: opts.exitWithParent ? 'true' : undefined,
      });
    });
}

import { Option, type Command } from 'commander';
import { loadConfig } from '@ghl-sync/config';
import { runWorkerProcess } from '@ghl-sync/worker';
import { HEAP_CAPPED_CHILD_FLAG, heapCapToApply, rerunWithHeapCap, stopWhenStarterExits } from '../heap-cap.js';
import { parseIntOption } from '../parse-options.js';

interface WorkerOptions {
  concurrency?: string;
  exitWithParent?: boolean;
  heapCappedChild?: boolean;
}

/**
 * `ghl-sync worker`: one worker process for the coordinator, page, finalize and maintenance
 * queues. Unless a heap cap is already set, it restarts itself under `WORKER_MAX_OLD_SPACE_MB`
 * (a second, child process; see {@link rerunWithHeapCap}).
 */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run a worker process (coordinator, page, finalize and maintenance queues) until SIGTERM')
    .option('--concurrency <n>', 'page jobs this process runs at once (WORKER_CONCURRENCY)')
    .option('--exit-with-parent', 'stop when the process that started this one exits (EXIT_WITH_PARENT)')
    .addOption(new Option(HEAP_CAPPED_CHILD_FLAG).hideHelp())
    .action(async (opts: WorkerOptions) => {
      const concurrency = parseIntOption('concurrency', opts.concurrency, 1, 500);
      if (opts.heapCappedChild) stopWhenStarterExits();
      else {
        const capMb = heapCapToApply();
        if (capMb > 0) {
          const exitWithParent = opts.exitWithParent === true || loadConfig().EXIT_WITH_PARENT;
          process.exitCode = await rerunWithHeapCap(capMb, exitWithParent);
          return;
        }
      }
      await runWorkerProcess({
        WORKER_CONCURRENCY: concurrency,
        EXIT_WITH_PARENT: opts.exitWithParent ? 'true' : undefined,
      });
    });
}

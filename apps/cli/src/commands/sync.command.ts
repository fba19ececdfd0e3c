import type { Command } from 'commander';
import { requireLocationId } from '@ghl-sync/db';
import { startRun } from '@ghl-sync/sync/runs';
import { createCliContext } from '../cli-context.js';
import { exitCodeFor, formatRunSummary, runToJson } from '../format-run.js';
import { waitForRun } from '@ghl-sync/sync';
import { parseIntOption } from '../parse-options.js';

interface SyncOptions {
  wait?: boolean;
  json?: boolean;
  resync?: boolean;
  allowMassDelete?: boolean;
  timeout?: string;
}

/**
 * `ghl-sync sync <locationId>`: opens a run and enqueues its coordinator. Exit codes: 0 completed
 * (or enqueued without --wait), 2 finished but not completed, 3 a run is already active, 1 error.
 */
export function registerSyncCommand(program: Command): void {
  program
    .command('sync <locationId>')
    .description('enqueue a full sync of one location')
    .option('--wait', 'show progress until the run ends')
    .option('--json', 'print the final run as one JSON object (implies --wait)')
    .option('--resync', 'rewrite every page even when nothing changed')
    .option('--allow-mass-delete', 'let the sweep tombstone more than SWEEP_MAX_DELETE_RATIO of the live rows')
    .option('--timeout <seconds>', 'with --wait: give up after this many seconds')
    .action(async (locationId: string, opts: SyncOptions) => {
      requireLocationId(locationId, '<locationId>');
      const timeoutSec = parseIntOption('timeout', opts.timeout, 1);
      const ctx = createCliContext();
      try {
        // Redis first: a run opened while Redis is unreachable could only end failed at once.
        await ctx.checkRedis();
        const { run } = await startRun(ctx.runs(), {
          locationId,
          trigger: 'cli',
          mode: opts.resync ? 'resync' : 'full',
          allowMassDelete: opts.allowMassDelete ?? false,
        });
        if (!opts.wait && !opts.json) {
          console.log(
            `run ${run.id} enqueued for location ${locationId}; follow it with \`ghl-sync runs show ${run.id}\``,
          );
          return;
        }
        if (!opts.json) console.error(`run ${run.id} enqueued for location ${locationId}`);
        const finished = await waitForRun({
          db: ctx.db(),
          queues: ctx.queues(),
          runId: run.id,
          timeoutMs: (timeoutSec ?? 0) * 1000,
          onProgress: (line) => {
            if (!opts.json) console.error(line);
          },
          onNoWorker: (line) => console.error(`warning: ${line}`),
        });
        console.log(opts.json ? JSON.stringify(runToJson(finished)) : formatRunSummary(finished));
        process.exitCode = exitCodeFor(finished);
      } finally {
        await ctx.close();
      }
    });
}

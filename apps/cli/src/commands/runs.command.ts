import type { Command } from 'commander';
import {
  MAX_RUN_ID,
  getRun,
  listOAuthEvents,
  listPages,
  listRunErrors,
  listRuns,
  requireLocationId,
} from '@ghl-sync/db';
import { GhlSyncError } from '@ghl-sync/errors';
import { createCliContext } from '../cli-context.js';
import { formatRunSummary, runToJson } from '../format-run.js';
import { parseIntOption } from '../parse-options.js';

/** `ghl-sync runs list|show`. */
export function registerRunCommands(program: Command): void {
  const runs = program.command('runs').description('inspect sync runs');

  runs
    .command('list')
    .description('newest runs first')
    .option('--location <locationId>', 'only this location')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'print JSON')
    .action(async (opts: { location?: string; limit: string; json?: boolean }) => {
      const limit = parseIntOption('limit', opts.limit, 1, 1_000);
      if (opts.location !== undefined) requireLocationId(opts.location, '--location');
      const ctx = createCliContext();
      try {
        const rows = await listRuns(ctx.db(), { locationId: opts.location, limit });
        if (opts.json) console.log(JSON.stringify(rows.map(runToJson), null, 2));
        else
          for (const r of rows)
            console.log(
              `${r.id}\t${r.locationId}\t${r.status}\t${r.startedAt.toISOString()}\tins ${r.inserted} upd ${r.updated} del ${r.deleted}${r.drift !== null ? ` drift ${r.drift}` : ''}${r.errorCode ? `\t${r.errorCode}: ${r.error ?? ''}` : ''}`,
            );
      } finally {
        await ctx.close();
      }
    });

  runs
    .command('show <runId>')
    .description('a run with its counters, pages and record-level errors')
    .option('--json', 'print JSON')
    .action(async (runIdText: string, opts: { json?: boolean }) => {
      const runId = parseIntOption('runId', runIdText, 1, MAX_RUN_ID)!;
      const ctx = createCliContext();
      try {
        const run = await getRun(ctx.db(), runId);
        if (!run) throw new GhlSyncError('run_not_found', `no run ${runIdText}`);
        const [pages, errors, oauthEvents] = await Promise.all([
          listPages(ctx.db(), runId),
          listRunErrors(ctx.db(), runId),
          listOAuthEvents(ctx.db(), run.locationId, { from: run.startedAt, to: run.finishedAt }),
        ]);
        if (opts.json) {
          console.log(JSON.stringify({ ...runToJson(run), pagesDetail: pages, errors, oauthEvents }, null, 2));
          return;
        }
        console.log(formatRunSummary(run));
        const failed = pages.filter((p) => p.status === 'failed');
        const done = pages.filter((p) => p.status === 'done').length;
        const unwritten = pages.length - done - failed.length;
        console.log(
          `  pages: ${done} done, ${failed.length} failed, ${unwritten} not written (${pages.length} listed)`,
        );
        for (const p of failed) console.log(`    page ${p.pageNo}: ${p.errorCode}: ${p.error}`);
        // OAuth recovery steps of the location while the run was going (a lost refresh answer, a reconnect).
        for (const e of oauthEvents)
          console.log(`  oauth ${e.createdAt.toISOString()} ${e.kind}${e.detail ? `: ${e.detail}` : ''}`);
        if (errors.length) {
          console.log(`  record errors (${errors.length}):`);
          for (const e of errors)
            console.log(`    page ${e.pageNo ?? '-'}\t${e.opportunityId ?? '(no id)'}\t${e.code}\t${e.message}`);
        }
      } finally {
        await ctx.close();
      }
    });
}

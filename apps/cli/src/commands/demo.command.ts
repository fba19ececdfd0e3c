import type { Command } from 'commander';
import { processEnvironment } from '@ghl-sync/config';
import { runMigrations, upsertLocation, type Db, type SyncRun } from '@ghl-sync/db';
import { startRun } from '@ghl-sync/sync/runs';
import { startSandbox, type Sandbox } from '@ghl-sync/ghl-sandbox';
import { createCliContext } from '../cli-context.js';
import { formatRunSummary } from '../format-run.js';
import { spawnWorker, type SpawnedWorker } from '../spawn-workers.js';
import { waitForRun } from '@ghl-sync/sync';
import { compareWithSandbox } from '@ghl-sync/sync';

interface DemoOptions {
  opportunities: string;
  small: string;
  workers: string;
  seed: string;
  quiet?: boolean;
}

/**
 * `ghl-sync demo` (`npm run demo`): a real sync of sandbox data into Postgres. Migrates, starts the
 * sandbox (one location of 5,301 opportunities and a smaller one), two worker
 * processes, syncs both, changes upstream (adds 25, updates 40, deletes 12), syncs again, prints
 * both summaries and checks Postgres against the sandbox row by row.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('sync sandbox data into Postgres end to end, change it upstream, sync again, verify')
    .option('--opportunities <n>', 'opportunities in the first location', '5301')
    .option('--small <n>', 'opportunities in the second location', '420')
    .option('--workers <n>', 'worker processes', '2')
    .option('--seed <n>', 'sandbox data seed', '1')
    .option('--quiet', 'do not echo worker logs')
    .action(async (opts: DemoOptions) => {
      const ctx = createCliContext();
      const say = (line: string) => console.log(line);
      say(
        `ghl-sync demo · Postgres ${new URL(ctx.config.DATABASE_URL).host}${new URL(ctx.config.DATABASE_URL).pathname} · Redis ${new URL(ctx.config.REDIS_URL).host} · queue prefix ${ctx.config.QUEUE_PREFIX}`,
      );
      await runMigrations({ databaseUrl: ctx.config.DATABASE_URL, logger: ctx.logger });

      const sandbox = await startSandbox({
        seed: Number(opts.seed),
        locations: [
          { opportunities: Number(opts.opportunities), name: 'Demo Agency Main' },
          { opportunities: Number(opts.small), name: 'Demo Agency Small' },
        ],
      });
      say(
        `ghl-sandbox at ${sandbox.url}: ${sandbox.locations.map((l, i) => `${l.id} (${i === 0 ? opts.opportunities : opts.small} opportunities)`).join(', ')}; rate limit 100 requests / 10 s per location`,
      );

      const db = ctx.db();
      for (const l of sandbox.locations) {
        await resetDemoLocation(db, l.id);
        await upsertLocation(db, { id: l.id, name: l.name, accessToken: l.token, scheduleCron: null });
      }

      const env = { ...processEnvironment(), GHL_BASE_URL: sandbox.url, SCHEDULER_ENABLED: 'false' };
      const workers: SpawnedWorker[] = [];
      const onLog = (name: string, line: Record<string, unknown>) => {
        const level = Number(line['level'] ?? 30);
        if (opts.quiet && level < 40) return;
        if (level < 30) return;
        const tag = level >= 50 ? 'ERROR ' : level >= 40 ? 'WARN ' : '';
        say(`  [${name}] ${tag}${String(line['msg'] ?? '')}`);
      };
      for (let i = 1; i <= Number(opts.workers); i++) workers.push(spawnWorker(`worker-${i}`, env, onLog));

      let exitCode = 0;
      try {
        say('\n== First sync: both locations, in parallel ==');
        const first = await syncAll(ctx, sandbox, say);
        for (const run of first) say(formatRunSummary(run));

        const main = sandbox.locations[0]!;
        const changed = sandbox.admin.mutate(main.id, { create: 25, update: 40, delete: 12, seed: 2026 });
        say(
          `\n== Upstream changes in ${main.id}: ${changed.created.length} added, ${changed.updated.length} updated, ${changed.deleted.length} deleted ==`,
        );

        say('\n== Second sync ==');
        const second = await syncAll(ctx, sandbox, say);
        for (const run of second) say(formatRunSummary(run));

        say('\n== Verifying Postgres against the sandbox ==');
        for (const l of sandbox.locations) {
          const result = await compareWithSandbox(db, sandbox, l.id);
          say(
            `  ${l.id}: ${result.checked} upstream opportunities checked, ${result.tombstoned} tombstoned rows, ${result.mismatches.length} mismatches`,
          );
          for (const m of result.mismatches.slice(0, 10)) say(`    ${m}`);
          if (result.mismatches.length) exitCode = 1;
        }
        if ([...first, ...second].some((r) => r.status !== 'completed')) exitCode = 1;
        say(exitCode === 0 ? '\ndemo OK: Postgres matches the sandbox exactly' : '\ndemo FAILED: see above');
      } finally {
        await Promise.all(workers.map((w) => w.stop()));
        await sandbox.close();
        await ctx.close();
      }
      process.exitCode = exitCode;
    });
}

async function resetDemoLocation(db: Db, locationId: string): Promise<void> {
  // The demo owns its sandbox locations: start from a clean slate so every run shows the same story.
  await db.query(`DELETE FROM ghl.opportunities WHERE location_id = $1`, [locationId]);
  await db.query(`DELETE FROM ghl.contacts WHERE location_id = $1`, [locationId]);
  await db.query(`DELETE FROM ghl.locations WHERE id = $1`, [locationId]);
}

async function syncAll(
  ctx: ReturnType<typeof createCliContext>,
  sandbox: Sandbox,
  say: (line: string) => void,
): Promise<SyncRun[]> {
  const db = ctx.db();
  const runs = [];
  for (const l of sandbox.locations) {
    const { run } = await startRun(ctx.runs(), { locationId: l.id, trigger: 'demo' });
    runs.push(run);
  }
  return Promise.all(
    runs.map((run) =>
      waitForRun({
        db,
        queues: ctx.queues(),
        runId: run.id,
        timeoutMs: 15 * 60_000,
        onNoWorker: (line) => say(`warning: ${line}`),
      }),
    ),
  );
}

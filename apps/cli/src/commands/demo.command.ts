import type { Command } from 'commander';
import { processEnvironment } from '@ghl-sync/config';
import { dropDatabase, runMigrations, upsertLocation, type Db } from '@ghl-sync/db';
import { startSandbox } from '@ghl-sync/ghl-sandbox';
import { GhlSyncError } from '@ghl-sync/errors';
import { createRedisConnection, deleteKeysUnder, redisTargetOf } from '@ghl-sync/queues';
import { generateTokenKey, requireTokenCipher } from '@ghl-sync/secrets';
import { createCliContext, redisError } from '../cli-context.js';
import { DEMO_ACTS, type DemoStage } from '../demo/demo-acts.js';
import { createRunProgress } from '../demo/run-progress.js';
import { parseIntOption } from '../parse-options.js';
import { plural } from '../plural.js';
import { spawnWorker, type SpawnedWorker } from '../spawn-workers.js';

interface DemoOptions {
  opportunities: string;
  small: string;
  workers: string;
  seed: string;
  database: string;
  queuePrefix: string;
  quiet?: boolean;
  verbose?: boolean;
  clean?: boolean;
}

/** The demo's own database and queue prefix unless told otherwise: it never writes into yours. */
const DEMO_DATABASE = 'ghl_sync_demo';
const DEMO_QUEUE_PREFIX = 'ghl-sync-demo';

/**
 * `ghl-sync demo` (`npm run demo`): a real sync of sandbox data into Postgres, told as the acts of
 * {@link DEMO_ACTS}. Migrates its own database (`ghl_sync_demo` on the configured server), starts
 * the sandbox (one location of 5,301 opportunities and a smaller one) and two worker processes on
 * its own queue prefix, plays the acts (sync both, change upstream, sync again, 20 live changes
 * applied by webhook, verify row by row),
 * then says what it left behind and how to remove it (`--clean`).
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('sync sandbox data into Postgres end to end, change it upstream, sync again, verify')
    .option('--opportunities <n>', 'opportunities in the first location', '5301')
    .option('--small <n>', 'opportunities in the second location', '420')
    .option('--workers <n>', 'worker processes', '2')
    .option('--seed <n>', 'sandbox data seed', '1')
    .option('--database <name>', 'database the demo writes to, on the DATABASE_URL server', DEMO_DATABASE)
    .option('--queue-prefix <prefix>', 'Redis key prefix of the demo', DEMO_QUEUE_PREFIX)
    .option('--verbose', "echo the workers' log lines (one per page)")
    .option('--quiet', "do not echo the workers' warnings either")
    .option('--clean', 'remove what earlier demos left (their database and Redis keys) and exit')
    .action(async (opts: DemoOptions) => {
      const opportunities = parseIntOption('opportunities', opts.opportunities, 0)!;
      const small = parseIntOption('small', opts.small, 0)!;
      const workerCount = parseIntOption('workers', opts.workers, 1, 32)!;
      const seed = parseIntOption('seed', opts.seed, 0)!;
      const configured = createCliContext().config;
      const databaseUrl = new URL(configured.DATABASE_URL);
      const ownDatabase = decodeURIComponent(databaseUrl.pathname.slice(1));
      databaseUrl.pathname = `/${encodeURIComponent(opts.database)}`;
      const where = { database: opts.database, host: databaseUrl.host, prefix: opts.queuePrefix };
      const removeCommand = `npx ghl-sync demo --clean${opts.database === DEMO_DATABASE ? '' : ` --database ${opts.database}`}${opts.queuePrefix === DEMO_QUEUE_PREFIX ? '' : ` --queue-prefix ${opts.queuePrefix}`}`;
      if (opts.clean) {
        if (opts.database === ownDatabase || opts.queuePrefix === configured.QUEUE_PREFIX)
          throw new GhlSyncError(
            'invalid_argument',
            `--clean removes only a database and prefix of the demo's own, not DATABASE_URL's ${ownDatabase} or QUEUE_PREFIX ${configured.QUEUE_PREFIX}`,
          );
        await dropDatabase(databaseUrl.toString());
        const redis = createRedisConnection(redisTargetOf(configured), 'command');
        // Its failure reaches the command as the rejected deletion, named by the connection's error.
        let connectionError: Error | undefined;
        redis.on('error', (err: Error) => (connectionError = err));
        const keys = await deleteKeysUnder(redis, opts.queuePrefix)
          .catch((err: Error) => {
            throw redisError(err, connectionError);
          })
          .finally(() => redis.disconnect());
        console.log(
          `removed database ${where.database} on ${where.host} and ${plural(keys, 'Redis key')} under the prefix ${where.prefix}`,
        );
        return;
      }

      const ctx = createCliContext({ DATABASE_URL: databaseUrl.toString(), QUEUE_PREFIX: opts.queuePrefix });
      const progress = createRunProgress(process.stdout);
      const say = (line: string) => progress.log(line);
      say(
        `ghl-sync demo · Postgres ${where.host}/${where.database} · Redis ${redisWhere(ctx.config)} · queue prefix ${where.prefix}`,
      );
      try {
        // Before anything is created: without Redis every worker would fail on its own, in many lines.
        await ctx.checkRedis();
        await runMigrations({ databaseUrl: ctx.config.DATABASE_URL, logger: ctx.logger });
      } catch (err) {
        // The Redis connection just opened would keep the process alive after the error.
        await ctx.close();
        throw err;
      }
      // The demo registers its two sandbox locations afresh at every run, so without a configured
      // key it encrypts them under a key of its own, kept only in this process and the workers it
      // starts: nothing outlives the run that would need it (the sandbox and its tokens are gone too).
      const tokenKey = ctx.config.TOKEN_ENCRYPTION_KEY ?? generateTokenKey();
      const tokens = requireTokenCipher({ ...ctx.config, TOKEN_ENCRYPTION_KEY: tokenKey });

      const sandbox = await startSandbox({
        seed,
        // Its legacy RSA signature is only checked, never the point: a shorter key than GHL's
        // 4,096 bits is generated in a fraction of the time.
        webhookRsaModulusLength: 2048,
        locations: [
          { opportunities, name: 'Demo Agency Main' },
          { opportunities: small, name: 'Demo Agency Small' },
        ],
      });
      say(
        `ghl-sandbox at ${sandbox.url}: ${sandbox.locations.map((l, i) => `${l.id} (${plural(i === 0 ? opportunities : small, 'opportunity', 'opportunities')})`).join(', ')}; rate limit 100 requests / 10 s per location`,
      );
      const db = ctx.db();
      for (const l of sandbox.locations) {
        await resetDemoLocation(db, l.id);
        await upsertLocation(db, { id: l.id, name: l.name, accessToken: l.token, scheduleCron: null }, tokens);
      }

      // The workers' own metrics port is of no use here: a free one keeps them clear of a worker
      // the user runs on 9464.
      const env = {
        ...processEnvironment(),
        DATABASE_URL: ctx.config.DATABASE_URL,
        QUEUE_PREFIX: opts.queuePrefix,
        GHL_BASE_URL: sandbox.url,
        SCHEDULER_ENABLED: 'false',
        WORKER_METRICS_PORT: '0',
        TOKEN_ENCRYPTION_KEY: tokenKey,
      };
      const onLog = (name: string, line: Record<string, unknown>) => {
        const level = Number(line['level'] ?? 30);
        if (level < (opts.verbose ? 30 : opts.quiet ? 50 : 40)) return;
        const tag = level >= 50 ? 'ERROR ' : level >= 40 ? 'WARN ' : '';
        progress.log(`  [${name}] ${tag}${String(line['msg'] ?? '')}`);
      };
      const workers: SpawnedWorker[] = [];
      const stage: DemoStage = {
        ctx,
        db,
        sandbox,
        say,
        progress,
        runs: [],
        fail(reason) {
          failures.push(reason);
        },
      };
      const failures: string[] = [];
      try {
        for (let i = 1; i <= workerCount; i++) workers.push(spawnWorker(`worker-${i}`, env, onLog));
        await Promise.all(workers.map((w) => w.ready));
        say(`${plural(workerCount, 'worker process', 'worker processes')} started`);
        for (const act of DEMO_ACTS) {
          say(`\n== ${act.title} ==`);
          await act.play(stage);
        }
        say(
          failures.length === 0
            ? '\ndemo OK: Postgres matches the sandbox exactly'
            : `\ndemo FAILED: ${failures.join('; ')}`,
        );
      } finally {
        await Promise.all(workers.map((w) => w.stop()));
        await sandbox.close();
        await ctx.close();
      }
      say(
        `\nLeft for you to look at: database ${where.database} on ${where.host} (the two sandbox locations, their opportunities and ${plural(stage.runs.length, 'run')}) and the finished jobs under the Redis prefix ${where.prefix}.` +
          (where.database === ownDatabase ? '' : ` Your DATABASE_URL (${ownDatabase}) and queues were not touched.`) +
          `\nThe next demo starts over; remove it all with \`${removeCommand}\`.`,
      );
      process.exitCode = failures.length === 0 ? 0 : 1;
    });
}

async function resetDemoLocation(db: Db, locationId: string): Promise<void> {
  // The demo owns its sandbox locations: start from a clean slate so every run shows the same story.
  await db.query(`DELETE FROM ghl.opportunities WHERE location_id = $1`, [locationId]);
  await db.query(`DELETE FROM ghl.contacts WHERE location_id = $1`, [locationId]);
  await db.query(`DELETE FROM ghl.locations WHERE id = $1`, [locationId]);
}

/** Where Redis is, for the demo's first line: the node's host, or the cluster's first seed. */
function redisWhere(config: {
  REDIS_URL: string;
  REDIS_CLUSTER_NODES?: { nodes: Array<{ host: string; port: number }> };
}): string {
  const seed = config.REDIS_CLUSTER_NODES?.nodes[0];
  return seed ? `cluster ${seed.host}:${seed.port}` : new URL(config.REDIS_URL).host;
}

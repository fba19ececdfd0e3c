import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  createDb,
  getRun,
  runMigrations,
  upsertLocation,
  ACTIVE_RUN_STATUSES,
  type Db,
  type SyncRun,
} from '@ghl-sync/db';
import { createTokenCipher, generateTokenKey, type TokenCipher } from '@ghl-sync/secrets';
import { startSandbox, type Sandbox, type SandboxOptions } from '@ghl-sync/ghl-sandbox';
import { createLogger } from '@ghl-sync/logger';
import { loadConfig } from '@ghl-sync/config';
import { createQueues, createRedisConnection, redisTargetOf, type Queues } from '@ghl-sync/queues';
import type { RunningWorker } from '@ghl-sync/worker';
import { createWorkerFleet } from '../../support/worker-fleet.js';
import {
  startThrowawayPostgres,
  startThrowawayRedis,
  startThrowawayRedisCluster,
  type ThrowawayPostgres,
  type ThrowawayRedis,
  type ThrowawayRedisCluster,
  type ThrowawayRedisClusterOptions,
} from './throwaway-services.js';

export { CLI_BIN } from '../../support/worker-fleet.js';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Options for {@link startFaultStack}. */
export interface FaultStackOptions {
  /** Sandbox options; rate limits are off unless given. */
  sandbox?: SandboxOptions;
  /** Extra environment for every worker (in-process and spawned). */
  env?: Record<string, string>;
  /** Register every sandbox location with its PIT token. @defaultValue true */
  registerLocations?: boolean;
  /** Run on a throwaway Redis Cluster (these options) instead of one redis-server. @defaultValue one node */
  redisCluster?: ThrowawayRedisClusterOptions;
}

/**
 * A whole deployment on THROWAWAY services: a redis-server child and an initdb'd Postgres cluster on
 * free ports, an in-process sandbox. The machine's own Redis and Postgres are never touched, so the
 * scenarios may restart, flush or kill anything here.
 */
export interface FaultStack {
  /** The one redis-server; throws when the stack runs on `redisCluster`. */
  readonly redis: ThrowawayRedis;
  /** The Redis Cluster, when the stack was started with `redisCluster`. */
  redisCluster: ThrowawayRedisCluster | null;
  postgres: ThrowawayPostgres;
  /** The test's own pool on the throwaway database. */
  db: Db;
  /** The cipher the stored tokens are encrypted with (its key is the workers' TOKEN_ENCRYPTION_KEY). */
  tokens: TokenCipher;
  databaseUrl: string;
  sandbox: Sandbox;
  env: Record<string, string>;
  queues: Queues;
  logs: string[];
  children: ChildProcess[];
  /** Writes every worker log line to `<tmp>/ghl-sync-faults/<name>.log` (CI artifact, diagnosis); returns the path. */
  dumpLogs(name: string): string;
  /** Spawns N real `ghl-sync worker` processes (built code). */
  spawnWorkers(n: number, env?: Record<string, string>): ChildProcess[];
  /** Starts N workers in this process (source code). */
  startWorkers(n: number, env?: Record<string, string>): Promise<RunningWorker[]>;
  startRun(locationId: string, opts?: { mode?: 'full' | 'resync'; allowMassDelete?: boolean }): Promise<SyncRun>;
  /** Polls the run until it is no longer active; survives Postgres being down for a while. */
  wait(runId: number, timeoutMs?: number): Promise<SyncRun>;
  sync(locationId: string, opts?: { timeoutMs?: number }): Promise<SyncRun>;
  stop(): Promise<void>;
}

export async function startFaultStack(options: FaultStackOptions = {}): Promise<FaultStack> {
  const [single, redisCluster, postgres] = await Promise.all([
    options.redisCluster ? null : startThrowawayRedis(),
    options.redisCluster ? startThrowawayRedisCluster(options.redisCluster) : null,
    startThrowawayPostgres(),
  ]);
  const redisEnv: Record<string, string> = redisCluster
    ? { REDIS_CLUSTER_NODES: redisCluster.seeds }
    : { REDIS_URL: single!.url };
  const dbUrl = new URL(postgres.url);
  dbUrl.pathname = '/ghl_sync_faults';
  const databaseUrl = dbUrl.toString();
  await runMigrations({ databaseUrl });
  const db = createDb({ connectionString: databaseUrl, max: 4, applicationName: 'ghl-sync-faults' });
  const sandbox = await startSandbox({ rateLimitMax: 0, dailyLimit: 0, ...options.sandbox });
  const prefix = `faults-${randomBytes(4).toString('hex')}`;
  const tokenKey = generateTokenKey();
  const tokens = createTokenCipher({ current: tokenKey });
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    TOKEN_ENCRYPTION_KEY: tokenKey,
    ...redisEnv,
    QUEUE_PREFIX: prefix,
    GHL_BASE_URL: sandbox.url,
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    SCHEDULER_ENABLED: 'false',
    WORKER_METRICS_PORT: '0',
    SHUTDOWN_GRACE_MS: '5000',
    // One listing chain unless a test asks for partitions: the chain count follows the measured answer
    // time, which on a loaded machine would change page layouts that tests count exactly.
    LISTING_MAX_CHAINS: '1',
    ...options.env,
  };
  const producer = createRedisConnection(redisTargetOf(loadConfig(env)), 'producer');
  producer.on('error', () => undefined);
  const queues = createQueues({ connection: producer, prefix });
  if (options.registerLocations ?? true) {
    for (const l of sandbox.locations)
      await upsertLocation(db, { id: l.id, name: l.name, accessToken: l.token, scheduleCron: null }, tokens);
  }
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _e, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger({ name: 'fault-worker', level: 'info', format: 'json', destination: sink });
  const fleet = createWorkerFleet({ env, logs, logger, db, queues });

  const stack: FaultStack = {
    get redis(): ThrowawayRedis {
      if (!single) throw new Error('this fault stack runs on a Redis Cluster: use redisCluster');
      return single;
    },
    redisCluster,
    postgres,
    db,
    tokens,
    databaseUrl,
    sandbox,
    env,
    queues,
    logs,
    children: fleet.children,
    dumpLogs(name) {
      const dir = join(tmpdir(), 'ghl-sync-faults');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${name}.log`);
      writeFileSync(file, logs.join(''));
      return file;
    },
    spawnWorkers: fleet.spawnWorkers,
    startWorkers: fleet.startWorkers,
    startRun: fleet.startRun,
    async wait(runId, timeoutMs = 180_000) {
      const deadline = Date.now() + timeoutMs;
      let last: SyncRun | null = null;
      while (Date.now() < deadline) {
        last = await getRun(db, runId).catch(() => last); // Postgres may be restarting
        if (last && !ACTIVE_RUN_STATUSES.includes(last.status)) return last;
        await sleep(200);
      }
      throw new Error(`run ${runId} still ${last?.status ?? 'unknown'} after ${Math.round(timeoutMs / 1000)} s`);
    },
    async sync(locationId, opts = {}) {
      const run = await stack.startRun(locationId);
      return stack.wait(run.id, opts.timeoutMs);
    },
    async stop() {
      await fleet.stop();
      await queues.close().catch(() => undefined);
      producer.disconnect();
      await sandbox.close();
      await db.close();
      await single?.stop();
      await redisCluster?.stop();
      await postgres.stop();
    },
  };
  return stack;
}

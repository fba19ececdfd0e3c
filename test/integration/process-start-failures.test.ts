import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { listRuns, upsertLocation } from '@ghl-sync/db';
import { generateTokenKey } from '@ghl-sync/secrets';
import { createTestDatabase, TEST_REDIS_URL, type TestDatabase } from '@ghl-sync/testing';
import { CLI_BIN } from '../support/test-stack.js';

// A process that cannot start must die: one line that says why (code and message, no stack for an
// expected error), then a non-zero exit. A supervisor restarts a dead process, never a hung one.
const WORKER_MAIN = fileURLToPath(new URL('../../apps/worker/dist/main.js', import.meta.url));
const API_MAIN = fileURLToPath(new URL('../../apps/api/dist/main.js', import.meta.url));
/** Far beyond the few seconds a failed start takes, even on a loaded machine: a hang, not slowness. */
const HANG_MS = 45_000;

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Starts a process; SIGKILLed at HANG_MS, so a hang fails the test instead of stalling it. */
function start(args: string[], env: Record<string, string | undefined>) {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c) => (output += String(c)));
  child.stderr.on('data', (c) => (output += String(c)));
  const timer = setTimeout(() => child.kill('SIGKILL'), HANG_MS);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    }),
  );
  return { child, exited, output: () => output };
}

async function run(args: string[], env: Record<string, string | undefined>): Promise<Outcome> {
  const p = start(args, env);
  return { ...(await p.exited), output: p.output() };
}

/** The fatal (level 60) JSON lines of a process's output. */
const fatalOf = (output: string) =>
  output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l['level'] === 60);

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('a process that cannot start', { timeout: 300_000 }, () => {
  const base: Record<string, string> = {
    ADMIN_TOKEN: 'start-failure-admin-token-0123456789abcdef',
    TOKEN_ENCRYPTION_KEY: generateTokenKey(),
    LOG_FORMAT: 'json',
    API_PORT: '0',
    WORKER_METRICS_PORT: '0',
    QUEUE_PREFIX: 'ghl-sync-start-failure',
  };
  let postgresDown: Record<string, string>;
  beforeAll(async () => {
    postgresDown = { ...base, DATABASE_URL: `postgres://postgres@127.0.0.1:${await closedPort()}/ghl_sync` };
  });
  const badConfig = { ...base, WORKER_CONCURRENCY: 'many' };

  const longRunning: Array<[string, string[]]> = [
    ['worker (dist/main.js)', [WORKER_MAIN]],
    ['api (dist/main.js)', [API_MAIN]],
    ['ghl-sync worker', [CLI_BIN, 'worker']],
    ['ghl-sync api', [CLI_BIN, 'api']],
  ];
  const commands: Array<[string, string[]]> = [
    ['ghl-sync db migrate', [CLI_BIN, 'db', 'migrate']],
    ['ghl-sync runs list', [CLI_BIN, 'runs', 'list']],
    ['ghl-sync sync', [CLI_BIN, 'sync', 'loc-1']],
    ['ghl-sync demo', [CLI_BIN, 'demo', '--opportunities', '10', '--small', '5']],
  ];

  for (const [name, args] of longRunning) {
    it(`${name}: with Postgres down and with a bad config, one fatal JSON line with its code and no stack, then exit 1`, async () => {
      for (const [why, env, code] of [
        ['postgres down', postgresDown, 'db_error'],
        ['bad config', badConfig, 'config_invalid'],
      ] as const) {
        const outcome = await run(args, env);
        expect(outcome.signal, `${why}: still running after ${HANG_MS} ms`).toBeNull();
        expect(outcome.code, `${why}\n${outcome.output}`).toBe(1);
        const fatal = fatalOf(outcome.output);
        expect(fatal, `${why}\n${outcome.output}`).toHaveLength(1);
        expect(fatal[0]).toMatchObject({ code });
        expect(fatal[0]).not.toHaveProperty('err');
        expect(outcome.output).not.toMatch(/^\s+at /m);
      }
    });
  }

  for (const [name, args] of commands) {
    it(`${name}: with Postgres down and with a bad config, one error line with its code, then exit 1`, async () => {
      for (const [why, env, code] of [
        ['postgres down', postgresDown, 'db_error'],
        ['bad config', badConfig, 'config_invalid'],
      ] as const) {
        const outcome = await run(args, env);
        expect(outcome.signal, `${why}: still running after ${HANG_MS} ms`).toBeNull();
        expect(outcome.code, `${why}\n${outcome.output}`).toBe(1);
        expect(outcome.output.match(/^error \[/gm), `${why}\n${outcome.output}`).toHaveLength(1);
        expect(outcome.output).toContain(`error [${code}]: `);
        expect(outcome.output).not.toMatch(/^\s+at /m);
      }
    });
  }

  // BullMQ waits for a connection to be ready or closed: a command's connection that retried forever
  // left `sync` silent until killed, with its run holding the location's only active slot.
  it('a command that needs Redis, with Redis down: one error line naming Redis, then exit 1', async () => {
    const database: TestDatabase = await createTestDatabase();
    try {
      const locationId = 'redisDownLocation000';
      await upsertLocation(
        database.db,
        { id: locationId, accessToken: 'pit-unused', scheduleCron: null },
        database.tokens,
      );
      const env = {
        ...base,
        DATABASE_URL: database.url,
        TOKEN_ENCRYPTION_KEY: database.tokenKey,
        REDIS_URL: `redis://127.0.0.1:${await closedPort()}/0`,
      };
      for (const args of [
        ['sync', locationId],
        ['locations', 'update', locationId, '--schedule', '0 3 * * *'],
        ['demo', '--opportunities', '10', '--small', '5', '--database', `${database.name}_demo`],
        ['demo', '--clean', '--database', `${database.name}_demo`, '--queue-prefix', 'ghl-sync-start-failure-demo'],
      ]) {
        const outcome = await run([CLI_BIN, ...args], env);
        const what = `${args.join(' ')}\n${outcome.output}`;
        expect(outcome.signal, `${what}: still running after ${HANG_MS} ms`).toBeNull();
        expect(outcome.code, what).toBe(1);
        expect(outcome.output.match(/^error \[/gm), what).toHaveLength(1);
        expect(outcome.output, what).toMatch(/^error \[redis_error\]: .*ECONNREFUSED/m);
        expect(outcome.output, what).not.toMatch(/^\s+at /m);
      }
      // `sync` asks Redis before it opens a run: no run left behind, the location is free.
      expect(await listRuns(database.db, { locationId })).toEqual([]);
    } finally {
      await database.drop();
    }
  });
});

// A Redis Cluster client whose seed nodes are no cluster (here the plain test Redis) refreshes its
// slot map forever: the start-up check gives up and names REDIS_CLUSTER_NODES, and a SIGTERM that
// arrives meanwhile is not ignored.
describe('a process given REDIS_CLUSTER_NODES that are not a cluster', { timeout: 300_000 }, () => {
  let database: TestDatabase;
  let env: Record<string, string | undefined>;
  beforeAll(async () => {
    database = await createTestDatabase();
    const plain = new URL(TEST_REDIS_URL);
    env = {
      ...process.env,
      REDIS_URL: undefined,
      REDIS_CLUSTER_NODES: `${plain.hostname}:${plain.port || 6379}`,
      DATABASE_URL: database.url,
      TOKEN_ENCRYPTION_KEY: database.tokenKey,
      ADMIN_TOKEN: 'start-failure-admin-token-0123456789abcdef',
      LOG_FORMAT: 'json',
      API_PORT: '0',
      WORKER_METRICS_PORT: '0',
      SCHEDULER_ENABLED: 'false',
      QUEUE_PREFIX: 'ghl-sync-start-failure-cluster',
    };
    return () => database.drop();
  });
  for (const [name, args] of [
    ['worker (dist/main.js)', [WORKER_MAIN]],
    ['ghl-sync api', [CLI_BIN, 'api']],
  ] as const) {
    it(`${name}: exits 1 with one redis_error line that names REDIS_CLUSTER_NODES`, async () => {
      const p = start([...args], env);
      const outcome = await p.exited;
      expect(outcome, p.output()).toEqual({ code: 1, signal: null });
      const fatal = fatalOf(p.output());
      expect(fatal, p.output()).toHaveLength(1);
      expect(fatal[0]).toMatchObject({ code: 'redis_error' });
      expect(String(fatal[0]!['msg'])).toContain('REDIS_CLUSTER_NODES');
    });
  }

  it('ghl-sync worker: a SIGTERM while it waits for the cluster stops it (exit 1), it does not hang', async () => {
    const p = start([CLI_BIN, 'worker'], env);
    // Its connection's first complaint: it is waiting for Redis now.
    for (let i = 0; i < 600 && !p.output().includes('Failed to refresh slots cache'); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(p.output()).toContain('Failed to refresh slots cache');
    p.child.kill('SIGTERM');
    const outcome = await p.exited;
    expect(outcome, p.output()).toEqual({ code: 1, signal: null });
    const fatal = fatalOf(p.output());
    expect(fatal, p.output()).toHaveLength(1);
    // Whichever ended first: the start-up check's verdict, or the signal's bounded wait.
    expect(['start_interrupted', 'redis_error']).toContain(fatal[0]!['code']);
  });
});

import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateTokenKey } from '@ghl-sync/secrets';
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
  ms: number;
}

function run(args: string[], env: Record<string, string>): Promise<Outcome> {
  const started = Date.now();
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c) => (output += String(c)));
  child.stderr.on('data', (c) => (output += String(c)));
  const timer = setTimeout(() => child.kill('SIGKILL'), HANG_MS);
  return new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output, ms: Date.now() - started });
    }),
  );
}

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
        const fatal = outcome.output
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .filter((l) => l['level'] === 60);
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
});

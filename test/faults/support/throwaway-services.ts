import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Where Debian keeps the Postgres server binaries (override with `FAULTS_PG_BIN`). */
const PG_BIN = process.env['FAULTS_PG_BIN'] ?? '/usr/lib/postgresql/15/bin';
const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;

/** A free TCP port on 127.0.0.1 (closed again before returning). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A redis-server child of this process on its own port: never the machine's Redis. */
export interface ThrowawayRedis {
  port: number;
  url: string;
  /** `redis-cli shutdown nosave`, wait for the process to exit: every key is gone. */
  shutdown(): Promise<void>;
  /** Starts redis-server again on the same port (empty). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startThrowawayRedis(): Promise<ThrowawayRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const ping = async () =>
    exec('redis-cli', ['-p', String(port), 'ping'], { timeout: 2_000 }).then(
      (r) => r.stdout.trim() === 'PONG',
      () => false,
    );
  const redis: ThrowawayRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
        { stdio: 'ignore' },
      );
      for (let i = 0; i < 100; i++) {
        if (await ping()) return;
        await sleep(100);
      }
      throw new Error(`throwaway redis on ${port} did not answer PING`);
    },
    async shutdown() {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      await exec('redis-cli', ['-p', String(port), 'shutdown', 'nosave'], { timeout: 5_000 }).catch(() => undefined);
      await Promise.race([exited, sleep(5_000).then(() => c.kill('SIGKILL'))]);
      child = null;
    },
    async stop() {
      await redis.shutdown();
    },
  };
  await redis.start();
  return redis;
}

/** A Postgres cluster made with initdb in a temporary folder, on its own port. */
export interface ThrowawayPostgres {
  port: number;
  /** URL of the `postgres` database of the cluster (change the path for another database). */
  url: string;
  /** `pg_ctl restart -m fast`: every connection is cut, the data stays. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function asPostgresUser(bin: string, args: string[], timeoutMs: number): Promise<void> {
  const file = join(PG_BIN, bin);
  if (IS_ROOT) await exec('runuser', ['-u', 'postgres', '--', file, ...args], { timeout: timeoutMs });
  else await exec(file, args, { timeout: timeoutMs });
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'ghl-faults-pg-'));
  const data = join(dir, 'data');
  if (IS_ROOT) await exec('chown', ['-R', 'postgres:postgres', dir]);
  await asPostgresUser(
    'initdb',
    ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-locale'],
    60_000,
  );
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  const log = join(dir, 'postgres.log');
  await asPostgresUser('pg_ctl', ['-D', data, '-o', opts, '-l', log, '-w', '-t', '60', 'start'], 90_000);
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async restart() {
      await asPostgresUser(
        'pg_ctl',
        ['-D', data, '-o', opts, '-l', log, '-m', 'fast', '-w', '-t', '60', 'restart'],
        90_000,
      );
    },
    async stop() {
      await asPostgresUser('pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-t', '30', 'stop'], 40_000).catch(
        () => undefined,
      );
      await rm(dir, { recursive: true, force: true });
    },
  };
}

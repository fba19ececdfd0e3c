import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
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
  /** `redis-cli shutdown nosave`, wait for the process to exit: every key is gone (unless on disk, see `dir`). */
  shutdown(): Promise<void>;
  /** SIGKILL, wait for the exit: a crash, nothing flushed or saved on the way out. */
  kill(): Promise<void>;
  /** Starts redis-server again on the same port (with the same `dir` and arguments). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Options for {@link startThrowawayRedis}. */
export interface ThrowawayRedisOptions {
  /** Port to listen on. @defaultValue a free one */
  port?: number;
  /** Working directory (nodes.conf, AOF); a restart on the same dir finds them. @defaultValue the cwd, nothing written */
  dir?: string;
  /** Extra redis-server arguments, e.g. `--cluster-enabled yes`. */
  args?: string[];
}

export async function startThrowawayRedis(options: ThrowawayRedisOptions = {}): Promise<ThrowawayRedis> {
  const port = options.port ?? (await freePort());
  let child: ChildProcess | null = null;
  const ping = async () =>
    exec('redis-cli', ['-p', String(port), 'ping'], { timeout: 2_000 }).then(
      (r) => r.stdout.trim() === 'PONG',
      () => false,
    );
  const exited = (c: ChildProcess) =>
    c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', r));
  const redis: ThrowawayRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--daemonize',
          'no',
          ...(options.dir ? ['--dir', options.dir] : []),
          ...(options.args ?? []),
        ],
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
      const gone = exited(c);
      await exec('redis-cli', ['-p', String(port), 'shutdown', 'nosave'], { timeout: 5_000 }).catch(() => undefined);
      await Promise.race([gone, sleep(5_000).then(() => c.kill('SIGKILL'))]);
      child = null;
    },
    async kill() {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const gone = exited(c);
      c.kill('SIGKILL');
      await gone;
      child = null;
    },
    async stop() {
      await redis.shutdown();
    },
  };
  await redis.start();
  return redis;
}

/** A Redis Cluster of throwaway redis-server children: masters only, one slot range each. */
export interface ThrowawayRedisCluster {
  nodes: ThrowawayRedis[];
  /** `REDIS_CLUSTER_NODES` for it: `127.0.0.1:port,…`. */
  seeds: string;
  /** The node serving `key`'s hash slot (CLUSTER KEYSLOT, then CLUSTER SHARDS). */
  nodeOf(key: string): Promise<ThrowawayRedis>;
  /** Resolves once `node` reports `cluster_state:<state>` (`fail` once a master without replica is marked failed). */
  waitState(node: ThrowawayRedis, state: 'ok' | 'fail', timeoutMs?: number): Promise<void>;
  /** Resolves once every node reports `cluster_state:ok` and agrees on every slot. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Stops every node and removes their directory. */
  stop(): Promise<void>;
}

/** Options for {@link startThrowawayRedisCluster}. */
export interface ThrowawayRedisClusterOptions {
  /** Masters, each with a third of the 16,384 slots. @defaultValue 3 */
  masters?: number;
  /**
   * An append-only file fsynced at every write, so a master killed with SIGKILL comes back on the
   * same port with its data and its nodes.conf, and the cluster heals. @defaultValue false
   */
  persistent?: boolean;
  /** How long a silent master takes to be marked failed (`cluster-node-timeout`), in ms. @defaultValue 2_000 */
  nodeTimeoutMs?: number;
}

/**
 * Starts `masters` redis-server processes with `--cluster-enabled yes` on free ports (client and bus
 * port both chosen, since port + 10,000 may not exist), joins them with
 * `redis-cli --cluster create … --cluster-replicas 0 --cluster-yes` and waits until the cluster is ok.
 */
export async function startThrowawayRedisCluster(
  options: ThrowawayRedisClusterOptions = {},
): Promise<ThrowawayRedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'ghl-redis-cluster-'));
  const nodes: ThrowawayRedis[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.kill()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < (options.masters ?? 3); i++) {
      const nodeDir = join(dir, `node-${i}`);
      await mkdir(nodeDir);
      nodes.push(
        await startThrowawayRedis({
          dir: nodeDir,
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-port',
            String(await freePort()),
            '--cluster-node-timeout',
            String(options.nodeTimeoutMs ?? 2_000),
            ...(options.persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : []),
          ],
        }),
      );
    }
    await exec(
      'redis-cli',
      ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'],
      { timeout: 60_000 },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const cli = async (node: ThrowawayRedis, ...args: string[]) =>
    (await exec('redis-cli', ['-p', String(node.port), ...args], { timeout: 5_000 })).stdout;
  const cluster: ThrowawayRedisCluster = {
    nodes,
    seeds: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
    async nodeOf(key) {
      const slot = Number((await cli(nodes[0]!, 'cluster', 'keyslot', key)).trim());
      // CLUSTER NODES: `id ip:port@bus flags master ping pong epoch link slot-range…` a node per line.
      for (const line of (await cli(nodes[0]!, 'cluster', 'nodes')).trim().split('\n')) {
        const fields = line.trim().split(' ');
        const port = Number(/:(\d+)@/.exec(fields[1] ?? '')?.[1]);
        const serves = fields.slice(8).some((range) => {
          const [from, to = from] = range.split('-').map(Number);
          return slot >= from! && slot <= to!;
        });
        const node = nodes.find((n) => n.port === port);
        if (serves && node) return node;
      }
      throw new Error(`no node of the cluster serves slot ${slot}`);
    },
    async waitState(node, state, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (
        !(await cli(node, 'cluster', 'info').then(
          (info) => info.includes(`cluster_state:${state}`),
          () => false,
        ))
      ) {
        if (Date.now() > deadline) throw new Error(`node ${node.port} did not report cluster_state:${state}`);
        await sleep(100);
      }
    },
    async waitHealthy(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const states = await Promise.all(
          nodes.map((n) =>
            cli(n, 'cluster', 'info').then(
              (info) => /cluster_state:ok/.test(info),
              () => false,
            ),
          ),
        );
        const checks = await exec('redis-cli', ['--cluster', 'check', `127.0.0.1:${nodes[0]!.port}`], {
          timeout: 10_000,
        }).then(
          (r) => !/\[ERR\]/.test(r.stdout),
          () => false,
        );
        if (states.every(Boolean) && checks) return;
        if (Date.now() > deadline) throw new Error('the throwaway Redis Cluster did not become healthy');
        await sleep(200);
      }
    },
    stop,
  };
  try {
    await cluster.waitHealthy();
  } catch (err) {
    await stop();
    throw err;
  }
  return cluster;
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

import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '@ghl-sync/testing';
import { CLI_BIN } from '../support/test-stack.js';
import { waitFor } from '../support/wait-for.js';

interface Worker {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A port nothing listens on right now. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

// What `ghl-sync worker` does by default that an operator should not have to know: its heap cap,
// and a second worker on the same host.
describe('ghl-sync worker defaults', () => {
  let database: TestDatabase;
  let redis: TestRedis;
  const workers: Worker[] = [];
  const start = (env: Record<string, string | undefined>): Worker => {
    const child = spawn(process.execPath, [CLI_BIN, 'worker'], {
      env: {
        ...process.env,
        NODE_OPTIONS: undefined,
        DATABASE_URL: database.url,
        TOKEN_ENCRYPTION_KEY: database.tokenKey,
        REDIS_URL: redis.url,
        QUEUE_PREFIX: redis.prefix,
        LOG_FORMAT: 'json',
        SCHEDULER_ENABLED: 'false',
        WORKER_METRICS_PORT: '0',
        EXIT_WITH_PARENT: 'true',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: Array<Record<string, unknown>> = [];
    let rest = '';
    child.stdout!.on('data', (d: Buffer) => {
      const parts = (rest + d.toString()).split('\n');
      rest = parts.pop()!;
      for (const p of parts) if (p.startsWith('{')) lines.push(JSON.parse(p) as Record<string, unknown>);
    });
    child.stderr!.on('data', () => undefined);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const worker = { child, lines, exited };
    workers.push(worker);
    return worker;
  };
  const started = (w: Worker) =>
    waitFor('worker started', async () => w.lines.find((l) => l['msg'] === 'worker started'), 45_000);

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = await createTestRedis();
  });
  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
    await database?.drop();
    await redis?.cleanup();
  });

  it('runs under the WORKER_MAX_OLD_SPACE_MB cap by default, as one unit with the process it restarted from', async () => {
    const w = start({});
    const line = await started(w);
    // 128 MB of old space plus V8's young generation.
    expect(line['heapLimitMb']).toBeGreaterThanOrEqual(128);
    expect(line['heapLimitMb']).toBeLessThanOrEqual(128 + 64);
    const workerPid = Number(line['pid']);
    expect(workerPid).not.toBe(w.child.pid);
    // SIGTERM to the process the operator started reaches the worker: a clean shutdown, exit 0.
    w.child.kill('SIGTERM');
    expect(await w.exited).toBe(0);
    expect(w.lines.some((l) => l['msg'] === 'shutting down' && l['signal'] === 'SIGTERM')).toBe(true);
    expect(alive(workerPid)).toBe(false);
  });

  it('stops the capped worker gracefully when the process it restarted from is killed', async () => {
    const w = start({});
    const workerPid = Number((await started(w))['pid']);
    w.child.kill('SIGKILL');
    await w.exited;
    await waitFor('the capped worker to exit', async () => !alive(workerPid), 30_000);
    expect(w.lines.some((l) => l['msg'] === 'shutting down')).toBe(true);
  });

  it('leaves a cap set in NODE_OPTIONS, or WORKER_MAX_OLD_SPACE_MB=0, alone: one process', async () => {
    const own = start({ NODE_OPTIONS: '--max-old-space-size=200' });
    const ownLine = await started(own);
    expect(ownLine['pid']).toBe(own.child.pid);
    expect(ownLine['heapLimitMb']).toBeGreaterThanOrEqual(200);
    expect(ownLine['heapLimitMb']).toBeLessThanOrEqual(200 + 64);
    const uncapped = start({ WORKER_MAX_OLD_SPACE_MB: '0' });
    const uncappedLine = await started(uncapped);
    expect(uncappedLine['pid']).toBe(uncapped.child.pid);
    expect(uncappedLine['heapLimitMb']).toBeGreaterThan(512);
    own.child.kill('SIGTERM');
    uncapped.child.kill('SIGTERM');
    expect(await Promise.all([own.exited, uncapped.exited])).toEqual([0, 0]);
  });

  it('two workers on one host: the second serves /metrics on a free port and says which, quietly', async () => {
    const port = await freePort();
    const first = start({ WORKER_METRICS_PORT: String(port) });
    expect((await started(first))['metricsPort']).toBe(port);
    const second = start({ WORKER_METRICS_PORT: String(port) });
    const secondPort = Number((await started(second))['metricsPort']);
    expect(secondPort).not.toBe(port);
    const moved = second.lines.find((l) => l['wantedPort'] === port);
    expect(moved).toMatchObject({ level: 30, metricsPort: secondPort });
    expect(second.lines.filter((l) => Number(l['level']) >= 40)).toEqual([]);
    for (const p of [port, secondPort]) {
      const res = await fetch(`http://127.0.0.1:${p}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('ghl_sync_dependency_errors_total');
    }
    first.child.kill('SIGTERM');
    second.child.kill('SIGTERM');
    expect(await Promise.all([first.exited, second.exited])).toEqual([0, 0]);
  });
});

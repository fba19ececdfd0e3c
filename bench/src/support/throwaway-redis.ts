import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { sleep } from './format.js';

const exec = promisify(execFile);

/** A `redis-server` child of the bench on a free port: its counters see only this bench's traffic. */
export interface ThrowawayRedis {
  url: string;
  /** Shuts the server down without saving; idempotent. */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (closed again before returning). */
async function freePort(): Promise<number> {
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

/**
 * Starts `redis-server` (from PATH) on a free port, without persistence. The shared Redis serves
 * other work at the same time, and `INFO commandstats` is server-wide: a scenario that counts
 * commands needs a server of its own.
 * @throws Error when the server does not answer PING within 10 s.
 */
export async function startThrowawayRedis(): Promise<ThrowawayRedis> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const ping = () =>
    exec('redis-cli', ['-p', String(port), 'ping'], { timeout: 2_000 }).then(
      (r) => r.stdout.trim() === 'PONG',
      () => false,
    );
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(5_000).then(() => child.kill('SIGKILL'))]);
  };
  for (let i = 0; i < 100; i++) {
    if (await ping()) return { url: `redis://127.0.0.1:${port}`, stop };
    await sleep(100);
  }
  await stop();
  throw new Error(`redis-server on port ${port} did not answer PING`);
}

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { sleep } from './format.js';
import { CLI_BIN } from './spawn-workers.js';

/** A `ghl-sync api` child process started by the bench. */
export interface BenchApi {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
  pid: number;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** A port nothing listens on now (the OS picks it; the API binds it a moment later). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Options of {@link startBenchApi}. */
export interface BenchApiOptions {
  /**
   * Called with the API's own time to answer each request (fastify's `responseTime` of its
   * "request completed" line, in ms): the API then logs at info, one line per request.
   * @defaultValue none (the API logs errors only)
   */
  onAnswered?: (responseTimeMs: number, statusCode: number) => void;
}

/**
 * Starts the admin API as its own process through the CLI, as an operator runs it, on a free port
 * of 127.0.0.1 with a random admin token (the bench only uses the public webhook route), and
 * waits until `/health` answers.
 * @param env - the stack's environment plus the webhook keys (GHL_WEBHOOK_*) and settings.
 * @throws Error when it does not answer within 30 s, or exits first.
 */
export async function startBenchApi(env: Record<string, string>, options: BenchApiOptions = {}): Promise<BenchApi> {
  const port = await freePort();
  const { onAnswered } = options;
  const child = spawn(process.execPath, [CLI_BIN, 'api'], {
    env: {
      ...(process.env as Record<string, string>),
      ...env,
      API_HOST: '127.0.0.1',
      API_PORT: String(port),
      ADMIN_TOKEN: randomBytes(32).toString('base64url'),
      LOG_FORMAT: 'json',
      LOG_LEVEL: onAnswered ? 'info' : 'error',
      EXIT_WITH_PARENT: 'true',
    },
    stdio: ['ignore', onAnswered ? 'pipe' : 'ignore', 'inherit'],
  });
  if (onAnswered)
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.includes('"request completed"')) return;
      try {
        const parsed = JSON.parse(line) as { responseTime?: number; res?: { statusCode?: number } };
        if (typeof parsed.responseTime === 'number') onAnswered(parsed.responseTime, parsed.res?.statusCode ?? 0);
      } catch {
        // Not a log line of ours.
      }
    });
  const url = `http://127.0.0.1:${port}`;
  const stop = async (graceMs = 10_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(killer);
  };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`ghl-sync api exited with ${child.exitCode} at start`);
    const healthy = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (healthy) return { url, pid: child.pid ?? -1, stop };
    await sleep(100);
  }
  await stop();
  throw new Error('ghl-sync api did not answer /health within 30 s');
}

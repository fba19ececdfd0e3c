import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { workerNodeOptions } from '@ghl-sync/cli';

/** The CLI entry point (`apps/cli/bin/ghl-sync.js`), resolved from bench/dist/support. */
export const CLI_BIN = fileURLToPath(new URL('../../../apps/cli/bin/ghl-sync.js', import.meta.url));
/** The compiled query-counting preload (see `query-counter-preload.ts`). */
export const QUERY_COUNTER_PRELOAD = fileURLToPath(new URL('./query-counter-preload.js', import.meta.url));

/** A `ghl-sync worker` child process started by the bench. */
export interface BenchWorker {
  name: string;
  child: ChildProcess;
  pid: number;
  /** Warnings and errors it logged (info and below are dropped: a bench must not drown in page logs). */
  problems: string[];
  /** Messages it logged at info, counted by their first words, to tell which process ran the coordinator. */
  ranCoordinator: boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

/** Options of {@link spawnBenchWorkers}. */
export interface SpawnBenchWorkersOptions {
  /** Environment of the workers (DATABASE_URL, REDIS_URL, QUEUE_PREFIX, GHL_BASE_URL …). */
  env: Record<string, string>;
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  /** Directory for per-worker query counts (enables the preload); omitted = no counting. */
  queryLogDir?: string;
}

/** Starts `count` real worker processes through the CLI, exactly as an operator would. */
export function spawnBenchWorkers(count: number, options: SpawnBenchWorkersOptions): BenchWorker[] {
  return Array.from({ length: count }, (_, i) => spawnOne(`worker-${i + 1}`, options));
}

function spawnOne(name: string, options: SpawnBenchWorkersOptions): BenchWorker {
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    ...options.env,
    LOG_FORMAT: 'json',
  };
  if (options.queryLogDir) {
    env['BENCH_QUERY_LOG'] = `${options.queryLogDir}/${name}.json`;
    env['NODE_OPTIONS'] = `${env['NODE_OPTIONS'] ?? ''} --import=${QUERY_COUNTER_PRELOAD}`.trim();
  }
  // Workers run as documented for production: with the V8 heap cap (README, "Memory").
  env['NODE_OPTIONS'] = workerNodeOptions(env['NODE_OPTIONS']);
  // The bench's workers stop with it even when it is killed.
  env['EXIT_WITH_PARENT'] = 'true';
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), CLI_BIN, 'worker'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const worker: BenchWorker = {
    name,
    child,
    pid: child.pid ?? -1,
    problems: [],
    ranCoordinator: false,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        parsed = { level: 40, msg: line };
      }
      const msg = String(parsed['msg'] ?? '');
      if (msg.startsWith('pass 1 done')) worker.ranCoordinator = true;
      const level = Number(parsed['level'] ?? 30);
      if (level >= 40 && worker.problems.length < 200) {
        worker.problems.push(msg);
        if (level >= 50) console.error(`  [${name}] ERROR ${msg}`);
      }
    });
  }
  return worker;
}

/** Stops every worker in parallel. */
export async function stopBenchWorkers(workers: BenchWorker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.stop()));
}

import { spawn } from 'node:child_process';
import { loadConfig, processEnvironment } from '@ghl-sync/config';

/**
 * The hidden flag a re-started worker gets: it runs under the cap and stops when the process that
 * re-started it goes away (their IPC channel closes), so the two live and die as one.
 */
export const HEAP_CAPPED_CHILD_FLAG = '--heap-capped-child';

/** How often the re-starting process checks its own parent when `EXIT_WITH_PARENT` is on, in ms. */
const PARENT_CHECK_MS = 1_000;

/**
 * The old-space cap `ghl-sync worker` should restart itself under, in MB, or 0 when it should not:
 * a cap is already set (`--max-old-space-size` in its flags or `NODE_OPTIONS`: the operator's
 * choice wins), `WORKER_MAX_OLD_SPACE_MB` is 0, or the configuration does not load (the worker
 * itself then lists every problem).
 */
export function heapCapToApply(): number {
  const flags = [...process.execArgv, processEnvironment()['NODE_OPTIONS'] ?? ''];
  if (flags.some((f) => f.includes('--max-old-space-size'))) return 0;
  try {
    return loadConfig().WORKER_MAX_OLD_SPACE_MB;
  } catch {
    return 0;
  }
}

/**
 * Runs this same command again in a child Node process with `--max-old-space-size=capMb` (V8 fixes
 * its heap limit at start: there is no way to lower it from inside). The child gets its own session
 * so that a terminal's Ctrl-C or hangup reaches this process only, which passes SIGTERM and SIGINT
 * on once; under `nohup` neither process sees the hangup. When this process dies, however it dies,
 * the child's IPC channel closes and it shuts down gracefully.
 * @param exitWithParent - also stop the child when this process's own parent exits (`EXIT_WITH_PARENT`).
 * @returns the child's exit code (1 when it died from a signal).
 */
export function rerunWithHeapCap(capMb: number, exitWithParent: boolean): Promise<number> {
  const child = spawn(
    process.execPath,
    [`--max-old-space-size=${capMb}`, ...process.execArgv, ...process.argv.slice(1), HEAP_CAPPED_CHILD_FLAG],
    { stdio: ['inherit', 'inherit', 'inherit', 'ipc'], detached: true },
  );
  const forward = (signal: NodeJS.Signals) => () => void child.kill(signal);
  process.on('SIGTERM', forward('SIGTERM'));
  process.on('SIGINT', forward('SIGINT'));
  if (exitWithParent) {
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) child.kill('SIGTERM');
    }, PARENT_CHECK_MS).unref();
  }
  return new Promise((resolve) => {
    child.once('error', () => resolve(1));
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

/** In the re-started child: shut down (as on SIGTERM) when the process that started it is gone. */
export function stopWhenStarterExits(): void {
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  process.channel?.unref();
}

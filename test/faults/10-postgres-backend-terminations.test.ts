import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRun, type SyncRun } from '@ghl-sync/db';
import { countByState, startBackendTerminator, type BackendTerminator } from '@ghl-sync/testing';
import { checkLocation } from './support/check-location.js';
import { expectExact } from './support/expect-exact.js';
import { CLI_BIN, startFaultStack, type FaultStack } from './support/fault-stack.js';
import { recordResult, scaled } from './support/results.js';
import { freePort } from './support/throwaway-services.js';

// Scenario 10: a managed-Postgres failover as an operator sees it. Every 1–2 s, every backend of the
// workers (or of the API) is terminated with `pg_terminate_backend`: the active ones, the ones idle
// in a transaction, and the idle ones in the pools. Then the cluster is restarted in the middle of a
// page write. No process may exit, and every run must come out exactly as an undisturbed one.
const RECORDS = scaled(4_000, 20_000);
const TIMEOUT_MS = scaled(240_000, 900_000);
const ADMIN_TOKEN = 'fault-10-admin-token-0123456789abcdefghij';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The counters of a run that a fault must not change. */
const counters = (r: SyncRun) => ({
  status: r.status,
  pages: r.pages,
  listed: r.listed,
  inserted: r.inserted,
  updated: r.updated,
  unchanged: r.unchanged,
  duplicates: r.duplicates,
  failedPages: r.failedPages,
  sweepStatus: r.sweepStatus,
});

/** Σ `ghl_sync_dependency_errors_total` of one `/metrics` text, by `dependency/source`. */
function dependencyErrors(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('ghl_sync_dependency_errors_total{')) continue;
    const dependency = /dependency="([^"]+)"/.exec(line)?.[1];
    const source = /source="([^"]+)"/.exec(line)?.[1];
    const key = `${dependency}/${source}`;
    out[key] = (out[key] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return out;
}

const sum = (all: Array<Record<string, number>>, key: string) => all.reduce((a, m) => a + (m[key] ?? 0), 0);

describe('fault 10: Postgres backends terminated every 1–2 s, and a restart mid-page-write', () => {
  let stack: FaultStack;
  const workers: Array<{ child: ChildProcess; metricsPort: number }> = [];
  const started = Date.now();
  const result = { runs: 0, rowsChecked: 0, lost: 0, duplicated: 0, notes: [] as string[] };
  const workersAlive = () => workers.every((w) => w.child.exitCode === null && w.child.signalCode === null);
  const workerMetrics = () =>
    Promise.all(
      workers.map(async (w) =>
        dependencyErrors(await (await fetch(`http://127.0.0.1:${w.metricsPort}/metrics`)).text()),
      ),
    );
  /** Location `i` of the sandbox (all hold RECORDS opportunities, so their runs' counters compare). */
  const location = (i: number) => stack.sandbox.locations[i]!.id;
  let baseline: SyncRun | undefined;

  /** Checks a run against the undisturbed one and the sandbox; adds it to the results. */
  async function expectAsUndisturbed(run: SyncRun, locationId: string): Promise<void> {
    expect(workersAlive()).toBe(true);
    expect(counters(run)).toEqual(counters(baseline!));
    const check = await checkLocation(stack.db, stack.sandbox, locationId);
    expectExact(check, { checked: RECORDS, tombstoned: 0 });
    result.runs += 1;
    result.rowsChecked += check.checked;
    result.lost += check.lost.length;
    result.duplicated += check.duplicated;
  }

  /** Pages of a run written by more than one attempt. */
  async function retriedPages(runId: number): Promise<number> {
    const { rows } = await stack.db.query<{ n: number }>(
      `SELECT count(*) AS n FROM ghl.sync_run_pages WHERE run_id = $1 AND attempts > 1`,
      [runId],
    );
    return rows[0]!.n;
  }

  /** Runs `fn` with a terminator, always stopping it. */
  async function withTerminator<T>(terminator: BackendTerminator, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } finally {
      await terminator.stop();
    }
  }

  beforeAll(async () => {
    stack = await startFaultStack({
      // Four locations of the same size: one undisturbed (the yardstick), one per fault.
      sandbox: { seed: 909, locations: Array.from({ length: 4 }, () => ({ opportunities: RECORDS })) },
    });
    for (const l of stack.sandbox.locations)
      stack.sandbox.admin.setKnobs(l.id, { latencyMs: { medianMs: 100, jitterMs: 50 } });
    // A longer pass 1 for the coordinator's scenario, so several rounds fall inside it.
    stack.sandbox.admin.setKnobs(location(2), { latencyMs: { medianMs: 250, jitterMs: 50 } });
    for (let i = 0; i < 2; i++) {
      const metricsPort = await freePort();
      const [child] = stack.spawnWorkers(1, { WORKER_METRICS_PORT: String(metricsPort) });
      workers.push({ child: child!, metricsPort });
    }
    // Start-up is not part of any run's time.
    for (let i = 0; i < 600 && (await stack.queues.coordinator.getWorkersCount()) < workers.length; i++)
      await sleep(100);
  });
  afterAll(async () => {
    recordResult({
      scenario: '10 backend terminations',
      ...result,
      notes: result.notes.join('; '),
      durationMs: Date.now() - started,
    });
    stack?.dumpLogs('10-postgres-backend-terminations');
    await stack?.stop();
  });

  it('workers: no process exits, the run comes out as an undisturbed one', async () => {
    // Disturbed first: the undisturbed run then benefits from warmed-up workers, never the other way.
    // Each round waits up to 5 s for a statement or transaction in flight, so rounds cut work, not
    // only idle pooled connections (a run's statements last milliseconds between GHL answers).
    const terminator = startBackendTerminator({
      db: stack.db,
      applications: ['ghl-sync-worker'],
      waitForBusyMs: 5_000,
    });
    const t0 = Date.now();
    const run = await withTerminator(terminator, async () =>
      stack.wait((await stack.startRun(location(1))).id, TIMEOUT_MS),
    );
    const disturbedMs = Date.now() - t0;
    const t1 = Date.now();
    baseline = await stack.sync(location(0), { timeoutMs: TIMEOUT_MS });
    const undisturbedMs = Date.now() - t1;
    expect(baseline.status).toBe('completed');
    const metrics = await workerMetrics();
    const byState = countByState(terminator.terminations);
    const retried = await retriedPages(run.id);
    console.log(
      `[faults] workers: undisturbed ${undisturbedMs} ms, disturbed ${disturbedMs} ms (${(disturbedMs / undisturbedMs).toFixed(2)}×); ${terminator.rounds()} rounds terminated ${JSON.stringify(byState)}; ${retried} pages retried; dependency errors ${JSON.stringify(metrics)}`,
    );
    await expectAsUndisturbed(run, location(1));
    // Causality: work in flight was cut, and the workers saw it (logged and counted, not crashed).
    // (A round sees a busy backend and cuts it in one statement; by then a page write may sit
    // between two of its statements, idle in transaction: a checked-out client either way.)
    expect((byState.active ?? 0) + (byState['idle in transaction'] ?? 0)).toBeGreaterThan(0);
    expect(sum(metrics, 'postgres/checked_out_client')).toBeGreaterThan(0);
    result.notes.push(
      `workers: undisturbed ${(undisturbedMs / 1000).toFixed(1)} s, disturbed ${(disturbedMs / 1000).toFixed(1)} s, ${terminator.terminations.length} backends terminated (${Object.entries(
        byState,
      )
        .map(([s, n]) => `${n} ${s}`)
        .join(', ')}), ${retried} pages retried`,
    );
  });

  it('coordinator mid-pass-1: each round cuts the statement that records a listed page', async () => {
    const opened = await stack.startRun(location(2));
    for (let i = 0; i < 600; i++) {
      const run = await getRun(stack.db, opened.id);
      if (run?.status === 'listing' && run.pages >= 2) break;
      await sleep(20);
    }
    // Rounds wait for pass 1's own statement (marks the page's ids) to be in flight.
    const terminator = startBackendTerminator({
      db: stack.db,
      applications: ['ghl-sync-worker'],
      busyQuery: '%sync_run_marks%',
      // Each round waits until it catches one: the statement takes milliseconds.
      waitForBusyMs: 10_000,
    });
    const hitPass1 = await withTerminator(terminator, async () => {
      for (;;) {
        const run = await getRun(stack.db, opened.id);
        if (run?.status !== 'listing') return terminator.terminations.filter((t) => t.matched && t.state === 'active');
        await sleep(50);
      }
    });
    const run = await stack.wait(opened.id, TIMEOUT_MS);
    console.log(
      `[faults] coordinator: ${terminator.rounds()} rounds in pass 1, ${hitPass1.length} pass-1 statements cut, terminated ${JSON.stringify(countByState(terminator.terminations))}`,
    );
    await expectAsUndisturbed(run, location(2));
    expect(hitPass1.length).toBeGreaterThan(0);
    result.notes.push(`coordinator: ${hitPass1.length} pass-1 statements cut`);
  });

  it('Postgres restarted while a page write is in flight: the page is rolled back, retried and counted once', async () => {
    const opened = await stack.startRun(location(3));
    for (let i = 0; i < 1_200 && (await getRun(stack.db, opened.id))?.status !== 'writing'; i++) await sleep(50);
    // A page transaction in flight (pass 1 is over): its upsert running, or between its statements.
    let caught: { state: string; query: string } | undefined;
    for (let i = 0; i < 3_000 && !caught; i++) {
      const { rows } = await stack.db.query<{ state: string; query: string }>(
        `SELECT state, left(query, 60) AS query FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'ghl-sync-worker' AND backend_xid IS NOT NULL
           AND (state = 'idle in transaction' OR query LIKE '%FOR UPDATE%' OR query LIKE '%ghl.opportunities%')
         LIMIT 1`,
      );
      caught = rows[0];
      if (!caught) await sleep(5);
    }
    expect(caught).toBeDefined();
    await stack.postgres.restart();
    const run = await stack.wait(opened.id, TIMEOUT_MS);
    const retried = await retriedPages(run.id);
    console.log(`[faults] restart mid-page-write (${JSON.stringify(caught)}): ${retried} pages retried`);
    await expectAsUndisturbed(run, location(3));
    // The cut transaction was rolled back (or committed just before): either way the page was
    // taken again and counted once, which expectAsUndisturbed checked.
    expect(retried).toBeGreaterThan(0);
    result.notes.push(`restart mid-page-write: ${retried} pages retried`);
  });

  it('API: /api/syncs and /metrics keep answering while its backends are terminated', async () => {
    const port = await freePort();
    const api = spawn(process.execPath, [CLI_BIN, 'api'], {
      env: { ...process.env, ...stack.env, EXIT_WITH_PARENT: 'true', ADMIN_TOKEN, API_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    api.stdout?.on('data', (d: Buffer) => stack.logs.push(d.toString()));
    api.stderr?.on('data', (d: Buffer) => stack.logs.push(d.toString()));
    const base = `http://127.0.0.1:${port}`;
    const get = async (path: string) => {
      const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      const text = await res.text();
      const code = res.status === 200 ? undefined : (JSON.parse(text) as { error?: { code?: string } }).error?.code;
      return { path, status: res.status, text, code };
    };
    try {
      for (let i = 0; i < 300; i++) {
        if ((await get('/health').catch(() => null))?.status === 200) break;
        await sleep(100);
      }
      const answers: Array<{ path: string; status: number; code?: string }> = [];
      const terminator = startBackendTerminator({ db: stack.db, applications: ['ghl-sync-api'] });
      await withTerminator(terminator, async () => {
        const until = Date.now() + scaled(10_000, 30_000);
        // Three callers: two list runs (one query each), one scrapes /metrics (run counts by status).
        const caller = async (path: string) => {
          while (Date.now() < until) {
            const { status, code } = await get(path);
            answers.push({ path, status, code });
          }
        };
        await Promise.all([caller('/api/syncs?limit=20'), caller('/api/syncs?limit=5'), caller('/metrics')]);
      });
      // A connection terminated by the last round may still be handed out once (it is then dropped).
      let after = await get('/api/syncs?limit=5');
      for (let i = 0; i < 10 && after.status !== 200; i++) {
        answers.push(after);
        after = await get('/api/syncs?limit=5');
      }
      const metrics = dependencyErrors((await get('/metrics')).text);
      const failed = answers.filter((a) => a.status !== 200);
      const byState = countByState(terminator.terminations);
      console.log(
        `[faults] api: ${answers.length} answers, ${failed.length} not 200 (${JSON.stringify(failed.slice(0, 5))}); terminated ${JSON.stringify(byState)}; dependency errors ${JSON.stringify(metrics)}`,
      );
      expect(api.exitCode).toBeNull();
      expect(api.signalCode).toBeNull();
      expect(after.status).toBe(200);
      // Only a request that lost its connection may fail, with 503 db_error; scrapes never do.
      expect(failed.filter((a) => a.status !== 503 || a.code !== 'db_error' || a.path === '/metrics')).toEqual([]);
      expect(failed.length).toBeLessThanOrEqual(terminator.terminations.length);
      expect(answers.filter((a) => a.path === '/metrics').length).toBeGreaterThan(0);
      expect(terminator.terminations.length).toBeGreaterThan(0);
      expect((metrics['postgres/checked_out_client'] ?? 0) + (metrics['postgres/idle_client'] ?? 0)).toBeGreaterThan(0);
      result.notes.push(
        `API: ${answers.length} answers, ${failed.length} × 503 for ${terminator.terminations.length} backends terminated`,
      );
    } finally {
      if (api.exitCode === null && api.signalCode === null)
        await new Promise((r) => {
          api.once('exit', r);
          api.kill('SIGTERM');
        });
    }
  });
});

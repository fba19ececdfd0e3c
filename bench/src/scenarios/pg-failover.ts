import type { SyncRun } from '@ghl-sync/db';
import { countByState, startBackendTerminator, type BackendTerminator } from '@ghl-sync/testing';
import { startBenchStack } from '../support/bench-stack.js';
import { int, ratio, seconds } from '../support/format.js';
import { measureSync, type SyncMeasurement } from '../support/measure-sync.js';
import { publishReport } from '../support/report.js';
import type { Scenario, ScenarioFlags } from './scenario.js';

const OPPORTUNITIES = 10_000;
const WORKERS = 2;
/** GHL-like answer time, so that a run lasts long enough to be cut many times. */
const LATENCY = { medianMs: 100, jitterMs: 50 };

/** The counters a failover must not change. */
const counters = (r: SyncRun) =>
  [r.status, r.pages, r.listed, r.inserted, r.updated, r.unchanged, r.failedPages, r.sweepStatus].join(' / ');

/**
 * A managed-Postgres failover as an operator sees it: the same sync undisturbed, then with every
 * worker backend (active, idle in transaction, idle) terminated every 1–2 s. Only backends of the
 * bench's own database and of `ghl-sync-worker` are terminated: safe on a shared Postgres.
 */
export const pgFailoverScenario: Scenario = {
  name: 'pg-failover',
  summary: `${int(OPPORTUNITIES)} opportunities, ${WORKERS} worker processes, undisturbed vs worker backends terminated every 1–2 s`,
  duration: '~1 min',
  async run(flags: ScenarioFlags) {
    const opportunities = flags.quick ? 2_000 : OPPORTUNITIES;
    // Two locations of the same size: one synced undisturbed, one under the fault, each by fresh workers.
    const stack = await startBenchStack({
      sandbox: { locations: [{ opportunities }, { opportunities }], rateLimitMax: 0 },
      // One listing chain: the chain count follows the measured answer time, and the two runs' page
      // counts must compare.
      env: { RATE_LIMIT_MAX: '1000000', LISTING_MAX_CHAINS: '1' },
    });
    try {
      for (const l of stack.sandbox.locations) stack.sandbox.admin.setKnobs(l.id, { latencyMs: LATENCY });
      const [calm, cut] = stack.sandbox.locations.map((l) => l.id) as [string, string];
      const measure = (id: string, hooks: Partial<Parameters<typeof measureSync>[0]> = {}) =>
        measureSync({ stack, workers: WORKERS, locationIds: [id], timeoutMs: 15 * 60_000, ...hooks });

      console.log('undisturbed …');
      const undisturbed = await measure(calm);
      console.log('worker backends terminated every 1–2 s …');
      let terminator: BackendTerminator | undefined;
      // Stopped once, whether the runs end or `measure` throws (it must not cut backends while the
      // stack stops).
      const disturbed = await measure(cut, {
        beforeRuns: async () => {
          terminator = startBackendTerminator({ db: stack.database.db, applications: ['ghl-sync-worker'] });
        },
        afterRuns: async () => void (await terminator?.stop()),
      }).finally(() => terminator?.stop());
      const terminations = terminator?.terminations ?? [];
      const byState = countByState(terminations);
      const retried = async (m: SyncMeasurement) => {
        const { rows } = await stack.database.db.query<{ n: number }>(
          `SELECT count(*) AS n FROM ghl.sync_run_pages WHERE run_id = $1 AND attempts > 1`,
          [m.runs[0]!.id],
        );
        return rows[0]!.n;
      };
      const rows = [
        { name: 'undisturbed', m: undisturbed, cut: '—' },
        {
          name: 'backends terminated every 1–2 s',
          m: disturbed,
          cut: `${int(terminations.length)} (${byState.active ?? 0} active, ${byState['idle in transaction'] ?? 0} idle in transaction, ${byState.idle ?? 0} idle)`,
        },
      ];
      const cells = await Promise.all(
        rows.map(async ({ name, m, cut: c }) => [
          name,
          seconds(m.wallMs),
          ratio(m.wallMs / undisturbed.wallMs),
          counters(m.runs[0]!),
          String(await retried(m)),
          c,
          // measureSync fails the row when a worker exits during the run.
          '0',
        ]),
      );
      const slowdown = disturbed.wallMs / undisturbed.wallMs;
      const same = counters(disturbed.runs[0]!) === counters(undisturbed.runs[0]!);
      publishReport({
        scenario: 'pg-failover',
        title: `${int(opportunities)} opportunities, ${WORKERS} worker processes, Postgres backends terminated every 1–2 s`,
        method: [
          `In-process sandbox answering in ${LATENCY.medianMs} ± ${LATENCY.jitterMs} ms, rate limits off, one listing chain (\`LISTING_MAX_CHAINS=1\`, so page counts compare), two locations of ${int(opportunities)} opportunities in one fresh database. Each row spawns ${WORKERS} fresh \`ghl-sync worker\` processes and syncs one location (wall = run opened → run finished, 100 ms polling).`,
          "Fault: every 1–2 s, once one of the workers' backends is busy (active or idle in transaction; at most 1 s of waiting), one statement runs `pg_terminate_backend` on every backend of `application_name = 'ghl-sync-worker'` in the bench's own database that is active, idle in transaction or idle (`@ghl-sync/testing` `startBackendTerminator`, also used by fault scenario 10). A worker process exiting fails the row.",
        ].join('\n\n'),
        tables: [
          {
            header: [
              'run',
              'wall',
              'vs undisturbed',
              'status / pages / listed / inserted / updated / unchanged / failed pages / sweep',
              'pages retried',
              'backends terminated',
              'worker exits',
            ],
            rows: cells,
          },
        ],
        notes: [
          `Goal: under the fault, the run ends as the undisturbed one and within 2× its time → counters ${same ? 'equal' : '**differ**'}, ${ratio(slowdown)}: ${same && slowdown < 2 ? '**met**' : '**missed**'}.`,
        ].join('\n'),
      });
    } finally {
      await stack.stop();
    }
  },
};

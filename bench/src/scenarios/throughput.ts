import { startBenchStack } from '../support/bench-stack.js';
import { cpuProfArgs } from '../support/cpu-prof.js';
import { int, mib, ratio, seconds } from '../support/format.js';
import { measureSync } from '../support/measure-sync.js';
import { measurePostgresCeiling } from '../support/postgres-ceiling.js';
import { publishReport } from '../support/report.js';
import type { Scenario, ScenarioFlags } from './scenario.js';

const OPPORTUNITIES = 100_000;
/** Limits off: the sandbox does not limit and ghl-sync's own limiter never makes anyone wait. */
const NO_LIMIT_ENV = { RATE_LIMIT_MAX: '1000000' };

const perSecond = (rows: number, ms: number) => (ms > 0 ? int((rows * 1000) / ms) : 'n/a');

/** 100,000 opportunities with limits off, 2 worker processes, against Postgres's own ceiling. */
export const throughputScenario: Scenario = {
  name: 'throughput',
  summary: `${int(OPPORTUNITIES)} opportunities, limits off, 2 worker processes; vs one SQL upsert`,
  duration: '~1–2 min',
  async run(flags: ScenarioFlags) {
    const opportunities = flags.quick ? 10_000 : OPPORTUNITIES;
    const stack = await startBenchStack({
      sandbox: { locations: [{ opportunities }], rateLimitMax: 0 },
      env: NO_LIMIT_ENV,
    });
    try {
      const id = stack.sandbox.locations[0]!.id;
      const m = await measureSync({
        stack,
        workers: 2,
        locationIds: [id],
        timeoutMs: 15 * 60_000,
        countQueries: true,
        nodeArgs: cpuProfArgs(flags.cpuProf, 'throughput'),
      });
      const run = m.runs[0]!;
      const t = m.timings[0]!;
      const upsert = m.queries?.byKind['page upsert'] ?? { count: 0, ms: 0, rows: 0 };
      const written = run.inserted + run.updated;
      console.log('measuring the Postgres ceiling …');
      const ceiling = await measurePostgresCeiling(stack.database.db, id);
      const pagesRate = (written * 1000) / t.pagesMs;
      const ceilingRate = (ceiling.rows * 1000) / ceiling.ms;
      const kinds = Object.entries(m.queries?.byKind ?? {}).sort((a, b) => b[1].ms - a[1].ms);
      publishReport({
        scenario: 'throughput',
        title: `${int(opportunities)} opportunities, limits off, 2 worker processes`,
        method: [
          `In-process sandbox with rate limits off (\`rateLimitMax 0\`, \`RATE_LIMIT_MAX=1000000\`), one location of ${int(opportunities)} opportunities, 2 \`ghl-sync worker\` processes with default concurrency (8 page jobs each), fresh database. Phases from the run and page rows: pass 1 = \`started_at → listing_finished_at\`; sweep + enqueue = \`listing_finished_at\` → first page job started; pages = first page started → last page finished. Statement counts and times come from a preload in the workers that wraps \`pg.Client.query\` (\`bench/src/support/query-counter-preload.ts\`), so "upsert statement time" is client-side time of the page upsert statement summed over connections.`,
          `Ceiling: the synced rows are copied to a scratch table, then upserted into a fresh empty copy of \`ghl.opportunities\` (same indexes, fillfactor 90, logged) in one \`INSERT … SELECT … ON CONFLICT (id) DO UPDATE\`, timed alone after a CHECKPOINT.`,
          'The machine has 2 cores shared by the sandbox (in the bench process), both workers and Postgres: every figure below is CPU-bound on those 2 cores.',
        ].join('\n\n'),
        tables: [
          {
            header: ['phase', 'time', 'opportunities/s'],
            rows: [
              ['end to end (wall)', seconds(m.wallMs), perSecond(run.listed, m.wallMs)],
              ['pass 1 (listing + marks)', seconds(t.pass1Ms), perSecond(run.listed, t.pass1Ms)],
              ['sweep + enqueue', seconds(t.sweepMs), '—'],
              ['pass 2 pages (fetch + write)', seconds(t.pagesMs), perSecond(written, t.pagesMs)],
            ],
          },
          {
            header: ['Postgres writes', 'rows', 'time', 'rows/s'],
            rows: [
              [
                'page upserts, wall of pass 2 (16 jobs in parallel)',
                int(written),
                seconds(t.pagesMs),
                perSecond(written, t.pagesMs),
              ],
              [
                `page upsert statements (${int(upsert.count)}), summed statement time`,
                int(upsert.rows),
                seconds(upsert.ms),
                perSecond(upsert.rows, upsert.ms),
              ],
              [
                'ceiling: one INSERT … SELECT … ON CONFLICT',
                int(ceiling.rows),
                seconds(ceiling.ms),
                perSecond(ceiling.rows, ceiling.ms),
              ],
              ['ratio ceiling ÷ pass 2', '', '', ratio(ceilingRate / pagesRate)],
            ],
          },
          {
            header: ['statement kind (workers)', 'count', 'summed time', 'per statement'],
            rows: kinds.map(([kind, c]) => [
              kind,
              int(c.count),
              seconds(c.ms),
              `${(c.ms / Math.max(1, c.count)).toFixed(2)} ms`,
            ]),
          },
          {
            header: ['worker', 'peak RSS', 'ran coordinator'],
            rows: m.workers.map((w) => [w.name, mib(w.peakRssBytes), w.ranCoordinator ? 'yes' : 'no']),
          },
        ],
        notes: `Run ${run.status}; ${int(run.listed)} listed, ${int(run.inserted)} inserted, ${int(run.updated)} updated, ${int(m.stats[0]!.requests)} requests. Postgres alone upserts these rows ${ratio(ceilingRate / pagesRate)} faster than pass 2 writes them end to end.`,
      });
    } finally {
      await stack.stop();
    }
  },
};

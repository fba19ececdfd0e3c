import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SandboxKnobs } from '@ghl-sync/ghl-sandbox';
import { createTestDatabase } from '@ghl-sync/testing';
import type { SeedBaselineResult } from '../seed-baseline/seed-baseline-options.js';
import { startBenchStack, type BenchStack } from '../support/bench-stack.js';
import { int, mib, ratio, seconds } from '../support/format.js';
import { measureSync } from '../support/measure-sync.js';
import { PeakRssSampler } from '../support/peak-rss.js';
import { publishReport } from '../support/report.js';
import type { Scenario, ScenarioFlags } from './scenario.js';

const OPPORTUNITIES = 5_301;
const LATENCY: NonNullable<SandboxKnobs['latencyMs']> = { medianMs: 250, jitterMs: 100 };
const LIMIT = { max: 100, intervalMs: 10_000 };
const BASELINE_MAIN = fileURLToPath(new URL('../seed-baseline/main.js', import.meta.url));

/** ghl-sync against a naive per-record sync script, same data, same latency, same run. */
export const seedBaselineScenario: Scenario = {
  name: 'seed-baseline',
  summary: `ghl-sync vs a naive per-record sync script, ${int(OPPORTUNITIES)} opportunities, 250 ms latency, 100 req/10 s`,
  duration: '~1 min',
  async run(flags: ScenarioFlags) {
    const opportunities = flags.quick ? 1_000 : OPPORTUNITIES;
    const stack = await startBenchStack({
      sandbox: { locations: [{ opportunities }], rateLimitMax: LIMIT.max, rateLimitIntervalMs: LIMIT.intervalMs },
      env: { RATE_LIMIT_MAX: String(LIMIT.max), RATE_LIMIT_INTERVAL_MS: String(LIMIT.intervalMs) },
    });
    const baselineDb = await createTestDatabase();
    try {
      const location = stack.sandbox.locations[0]!;
      stack.sandbox.admin.setKnobs(location.id, { latencyMs: LATENCY });
      console.log('\n== ghl-sync ==');
      const sync = await measureSync({
        stack,
        workers: 2,
        locationIds: [location.id],
        timeoutMs: 10 * 60_000,
        countQueries: true,
      });
      console.log('== per-record script baseline ==');
      stack.sandbox.admin.resetStats(location.id);
      stack.sandbox.admin.resetRateLimits(location.id);
      const baseline = await runBaselineChild(stack, baselineDb.url);
      const baseStats = stack.sandbox.admin.getStats(location.id);
      if (baseStats.rejected429 > 0) console.error(`baseline met ${baseStats.rejected429} 429s`);

      const syncRss = sync.workers.map((w) => w.peakRssBytes ?? 0);
      const syncQueries = sync.queries?.total ?? NaN;
      const syncRequests = sync.stats[0]!.requests;
      const b = baseline.result;
      publishReport({
        scenario: 'seed-baseline',
        title: `ghl-sync vs a naive per-record sync script, ${int(opportunities)} opportunities, 250 ms latency`,
        method: [
          `Same in-process sandbox location (${int(opportunities)} opportunities, latency ${LATENCY.medianMs} ± ${LATENCY.jitterMs} ms, 100 requests / 10 s), synced first by ghl-sync (2 worker processes, defaults, fresh database), then by the baseline (\`bench/src/seed-baseline/\`, its own child process and its own fresh database).`,
          `The baseline is the usual first version of such a sync: one loop over pages of 100, every id kept in an in-memory Set, each record checked with its own \`SELECT\` and then \`INSERT\`ed or \`UPDATE\`d on its own, 5 records at a time, 200 ms sleep between pages, and at the end one UPDATE tombstoning ids not seen. It asks for \`page=1\` and \`page=2\` first (untimed): page 2 ${b.pageNumbersDoNotPage ? 'returned the same first record as page 1, so page numbers do not page on this API' : 'differed from page 1'}; it therefore walks the \`startAfter\`/\`startAfterId\` cursor instead (everything else as written). It writes opportunities only (ghl-sync also upserts the embedded contacts and pipelines).`,
          `Queries: the baseline counts its own; ghl-sync's are counted in its worker processes by a preload wrapping \`pg.Client.query\` (Postgres here has no \`pg_stat_statements\`). Peak RSS = \`VmHWM\` of each process.`,
        ].join('\n\n'),
        tables: [
          {
            header: ['', 'wall', 'requests', 'SQL statements', 'peak RSS', 'rows written'],
            rows: [
              [
                'ghl-sync (2 processes)',
                seconds(sync.wallMs),
                int(syncRequests),
                int(syncQueries),
                `${syncRss.map((r) => mib(r)).join(' + ')}`,
                int(sync.runs[0]!.inserted + sync.runs[0]!.updated),
              ],
              [
                'seed baseline (1 process)',
                seconds(b.wallMs),
                int(b.requests),
                int(b.queries),
                mib(baseline.peakRssBytes),
                int(b.inserted + b.updated),
              ],
              [
                'baseline ÷ ghl-sync',
                ratio(b.wallMs / sync.wallMs),
                ratio(b.requests / syncRequests),
                ratio(b.queries / syncQueries),
                `${ratio((baseline.peakRssBytes ?? NaN) / Math.max(...syncRss))} of the larger worker`,
                '',
              ],
            ],
          },
        ],
        notes: `Goal: ghl-sync ≥ 3.5× faster → ${ratio(b.wallMs / sync.wallMs)}: ${b.wallMs / sync.wallMs >= 3.5 ? '**met**' : '**missed**'}. Memory: ${(baseline.peakRssBytes ?? 0) > Math.max(...syncRss) ? 'ghl-sync uses less per process (**met**)' : 'ghl-sync uses more per process (**missed**)'}. Run ${sync.runs[0]!.status}; ghl-sync wall/floor ${ratio(sync.wallMs / (syncRequests * 100))}.`,
      });
    } finally {
      await baselineDb.drop().catch(() => undefined);
      await stack.stop();
    }
  },
};

/** Runs the baseline in its own process (so its RSS is its own) and parses its JSON result. */
async function runBaselineChild(
  stack: BenchStack,
  databaseUrl: string,
): Promise<{ result: SeedBaselineResult; peakRssBytes: number | null }> {
  const location = stack.sandbox.locations[0]!;
  const child = spawn(
    process.execPath,
    [
      BASELINE_MAIN,
      JSON.stringify({ baseUrl: stack.sandbox.url, locationId: location.id, token: location.token, databaseUrl }),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const rss = new PeakRssSampler(() => (child.pid ? [child.pid] : []));
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 10 * 60_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(killer);
  rss.stop();
  if (code !== 0) throw new Error(`seed baseline exited ${code}`);
  return {
    result: JSON.parse(out.trim().split('\n').pop()!) as SeedBaselineResult,
    peakRssBytes: child.pid ? rss.peak(child.pid) : null,
  };
}

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { getListingPlan } from '@ghl-sync/db';
import type { SandboxKnobs } from '@ghl-sync/ghl-sandbox';
import { createTestDatabase } from '@ghl-sync/testing';
import type { SeedBaselineResult } from '../seed-baseline/seed-baseline-options.js';
import { startBenchStack, type BenchStack } from '../support/bench-stack.js';
import { int, mib, ratio, seconds } from '../support/format.js';
import { measureSync, type SyncMeasurement } from '../support/measure-sync.js';
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
    // Pass 1 with one cursor chain first (how ghl-sync listed before partitions), on its own stack,
    // so the old ratio is measured beside the new one on the same machine and load.
    console.log('\n== ghl-sync, one chain (LISTING_MAX_CHAINS=1) ==');
    const oneChain = await measureGhlSync(opportunities, { LISTING_MAX_CHAINS: '1' });
    const stack = await startBenchStack({
      sandbox: { locations: [{ opportunities }], rateLimitMax: LIMIT.max, rateLimitIntervalMs: LIMIT.intervalMs },
      env: { RATE_LIMIT_MAX: String(LIMIT.max), RATE_LIMIT_INTERVAL_MS: String(LIMIT.intervalMs) },
    });
    const baselineDb = await createTestDatabase();
    try {
      const location = stack.sandbox.locations[0]!;
      stack.sandbox.admin.setKnobs(location.id, { latencyMs: LATENCY });
      console.log('\n== ghl-sync, defaults (partitioned pass 1) ==');
      const sync = await measureSync({
        stack,
        workers: 2,
        locationIds: [location.id],
        timeoutMs: 10 * 60_000,
        countQueries: true,
      });
      const plan = await getListingPlan(stack.database.db, sync.runs[0]!.id);
      console.log('== per-record script baseline ==');
      stack.sandbox.admin.resetStats(location.id);
      stack.sandbox.admin.resetRateLimits(location.id);
      const baseline = await runBaselineChild(stack, baselineDb.url);
      const baseStats = stack.sandbox.admin.getStats(location.id);
      if (baseStats.rejected429 > 0) console.error(`baseline met ${baseStats.rejected429} 429s`);

      const syncRss = sync.workers.map((w) => w.peakRssBytes ?? 0);
      const syncRequests = sync.stats[0]!.requests;
      const b = baseline.result;
      const leastFloorMs = (1 + 2 * Math.ceil(opportunities / 100)) * (LIMIT.intervalMs / LIMIT.max);
      const chains =
        plan?.kind === 'partitioned' ? `${plan.chains} chains over ${plan.partitions.length} partitions` : 'one chain';
      const ghlRow = (label: string, m: SyncMeasurement): string[] => [
        label,
        seconds(m.wallMs),
        int(m.stats[0]!.requests),
        m.queries ? int(m.queries.total) : '—',
        m.workers.map((w) => mib(w.peakRssBytes ?? 0)).join(' + '),
        int(m.runs[0]!.inserted + m.runs[0]!.updated),
        ratio(b.wallMs / m.wallMs),
        ratio(m.wallMs / leastFloorMs),
      ];
      publishReport({
        scenario: 'seed-baseline',
        title: `ghl-sync vs a naive per-record sync script, ${int(opportunities)} opportunities, 250 ms latency`,
        method: [
          `Same sandbox data (${int(opportunities)} opportunities, latency ${LATENCY.medianMs} ± ${LATENCY.jitterMs} ms, 100 requests / 10 s), synced by ghl-sync twice, each on a fresh stack (2 worker processes, fresh database): once with pass 1 as one cursor chain (\`LISTING_MAX_CHAINS=1\`, how ghl-sync listed before partitions), once with defaults (partitioned pass 1); then by the baseline (\`bench/src/seed-baseline/\`, its own child process and its own fresh database) on the second stack.`,
          `The baseline is the usual first version of such a sync: one loop over pages of 100, every id kept in an in-memory Set, each record checked with its own \`SELECT\` and then \`INSERT\`ed or \`UPDATE\`d on its own, 5 records at a time, 200 ms sleep between pages, and at the end one UPDATE tombstoning ids not seen. It asks for \`page=1\` and \`page=2\` first (untimed): page 2 ${b.pageNumbersDoNotPage ? 'returned the same first record as page 1, so page numbers do not page on this API' : 'differed from page 1'}; it therefore walks the \`startAfter\`/\`startAfterId\` cursor instead (everything else as written). It writes opportunities only (ghl-sync also upserts the embedded contacts and pipelines).`,
          `Queries: the baseline counts its own; ghl-sync's are counted in its worker processes by a preload wrapping \`pg.Client.query\` (defaults run only; Postgres here has no \`pg_stat_statements\`). Peak RSS = \`VmHWM\` of each process. Floor = the fewest requests any full sync needs (1 + 2 per 100 opportunities) at 10 per second.`,
        ].join('\n\n'),
        tables: [
          {
            header: [
              '',
              'wall',
              'requests',
              'SQL statements',
              'peak RSS',
              'rows written',
              'baseline ÷ this',
              'wall / floor',
            ],
            rows: [
              ghlRow(`ghl-sync, partitioned pass 1 (${chains})`, sync),
              ghlRow('ghl-sync, one chain (before partitions)', oneChain),
              [
                'seed baseline (1 process)',
                seconds(b.wallMs),
                int(b.requests),
                int(b.queries),
                mib(baseline.peakRssBytes),
                int(b.inserted + b.updated),
                '1.00×',
                ratio(b.wallMs / leastFloorMs),
              ],
            ],
          },
        ],
        notes: `Goal: ghl-sync ≥ 3.5× faster → ${ratio(b.wallMs / sync.wallMs)} with partitioned pass 1 (one chain: ${ratio(b.wallMs / oneChain.wallMs)}): ${b.wallMs / sync.wallMs >= 3.5 ? '**met**' : '**missed**'}. Memory: ${(baseline.peakRssBytes ?? 0) > Math.max(...syncRss) ? 'ghl-sync uses less per process (**met**)' : `ghl-sync uses more per process (**missed**; baseline ${ratio((baseline.peakRssBytes ?? NaN) / Math.max(...syncRss))} of the larger worker)`}. Runs ${sync.runs[0]!.status} / ${oneChain.runs[0]!.status}; ghl-sync made ${int(syncRequests)} requests partitioned, ${int(oneChain.stats[0]!.requests)} with one chain.`,
      });
    } finally {
      await baselineDb.drop().catch(() => undefined);
      await stack.stop();
    }
  },
};

/** One ghl-sync run of the scenario's data on its own fresh stack, with extra worker settings. */
async function measureGhlSync(opportunities: number, env: Record<string, string>): Promise<SyncMeasurement> {
  const stack = await startBenchStack({
    sandbox: { locations: [{ opportunities }], rateLimitMax: LIMIT.max, rateLimitIntervalMs: LIMIT.intervalMs },
    env: { RATE_LIMIT_MAX: String(LIMIT.max), RATE_LIMIT_INTERVAL_MS: String(LIMIT.intervalMs), ...env },
  });
  try {
    const location = stack.sandbox.locations[0]!;
    stack.sandbox.admin.setKnobs(location.id, { latencyMs: LATENCY });
    return await measureSync({ stack, workers: 2, locationIds: [location.id], timeoutMs: 10 * 60_000 });
  } finally {
    await stack.stop();
  }
}

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

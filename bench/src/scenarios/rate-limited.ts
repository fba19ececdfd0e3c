import type { SandboxKnobs } from '@ghl-sync/ghl-sandbox';
import { startBenchStack } from '../support/bench-stack.js';
import { cpuProfArgs } from '../support/cpu-prof.js';
import { int, ratio, seconds } from '../support/format.js';
import { measureSync, type SyncMeasurement } from '../support/measure-sync.js';
import { publishReport } from '../support/report.js';
import type { Scenario, ScenarioFlags } from './scenario.js';

const OPPORTUNITIES = 5_301;
/** GHL's burst limit: 100 requests per 10 s per location (ghl-api.md §3). */
const LIMIT = { max: 100, intervalMs: 10_000 };
const LATENCY: NonNullable<SandboxKnobs['latencyMs']> = { medianMs: 250, jitterMs: 100 };

/** One location at the real limit, synced once without added latency and once with 250 ms. */
export const rateLimitedScenario: Scenario = {
  name: 'rate-limited',
  summary: `${int(OPPORTUNITIES)} opportunities, one location, 100 req/10 s; without and with 250 ms latency`,
  duration: '~1 min',
  async run(flags: ScenarioFlags) {
    const opportunities = flags.quick ? 1_000 : OPPORTUNITIES;
    const results: Array<{ label: string; m: SyncMeasurement }> = [];
    for (const latency of [null, LATENCY]) {
      const label = latency ? `latency ${latency.medianMs} ± ${latency.jitterMs} ms` : 'no added latency';
      console.log(`\n== rate-limited: ${label} ==`);
      const stack = await startBenchStack({
        sandbox: { locations: [{ opportunities }], rateLimitMax: LIMIT.max, rateLimitIntervalMs: LIMIT.intervalMs },
        env: { RATE_LIMIT_MAX: String(LIMIT.max), RATE_LIMIT_INTERVAL_MS: String(LIMIT.intervalMs) },
      });
      try {
        const id = stack.sandbox.locations[0]!.id;
        if (latency) stack.sandbox.admin.setKnobs(id, { latencyMs: latency });
        const m = await measureSync({
          stack,
          workers: 2,
          locationIds: [id],
          timeoutMs: 10 * 60_000,
          nodeArgs: cpuProfArgs(flags.cpuProf, 'rate-limited'),
        });
        results.push({ label, m });
      } finally {
        await stack.stop();
      }
    }

    const rows = results.map(({ label, m }) => {
      const s = m.stats[0]!;
      const t = m.timings[0]!;
      const floorMs = (s.requests / ((LIMIT.max / LIMIT.intervalMs) * 1000)) * 1000;
      return [
        label,
        m.runs[0]!.status,
        seconds(m.wallMs),
        seconds(floorMs),
        ratio(m.wallMs / floorMs),
        int(s.requests),
        int(s.rejected429),
        int(s.maxInAnyWindow),
        seconds(t.pass1Ms),
        seconds(t.pass2Ms),
        int(m.runs[0]!.pages),
      ];
    });
    const [plain, slow] = results;
    const pages = plain?.m.runs[0]?.pages ?? 0;
    const perPage = slow ? slow.m.timings[0]!.pass1Ms / Math.max(1, slow.m.runs[0]!.pages) : NaN;
    const plainRatio = plain ? plain.m.wallMs / (plain.m.stats[0]!.requests * 100) : NaN;
    const no429 = results.every((r) => r.m.stats[0]!.rejected429 === 0);
    publishReport({
      scenario: 'rate-limited',
      title: `${int(opportunities)} opportunities, one location at 100 requests / 10 s`,
      method: [
        `In-process sandbox at the real burst limit (${LIMIT.max} requests per ${LIMIT.intervalMs / 1000} s, daily limit off), one location of ${int(opportunities)} generated opportunities, 2 \`ghl-sync worker\` processes with default settings (safety margin 0.05 → 95 requests / 10 s). A fresh database and Redis prefix per row. Wall = run opened → run seen finished (100 ms polling). Floor = sandbox requests ÷ 10 per second. Pass 1 = \`started_at → listing_finished_at\`, pass 2 = \`listing_finished_at → finished_at\` (run row).`,
      ].join('\n'),
      tables: [
        {
          header: [
            'configuration',
            'status',
            'wall',
            'floor',
            'wall/floor',
            'requests',
            '429s',
            'max in 10 s',
            'pass 1',
            'pass 2',
            'pages',
          ],
          rows,
        },
      ],
      notes: [
        `Goal without latency: ≤ 1.15× the floor → ${ratio(plainRatio)}: ${plainRatio <= 1.15 ? '**met**' : '**missed**'}. 429s: ${no429 ? '0 in both configurations (**met**)' : 'some (see table; **missed**)'}.`,
        slow
          ? `With latency, pass 1 is a chain of ${int(slow.m.runs[0]!.pages)} cursor requests at ${Math.round(perPage)} ms per page = ${seconds(slow.m.timings[0]!.pass1Ms)}, ${Math.round((100 * slow.m.timings[0]!.pass1Ms) / slow.m.wallMs)}% of the wall time (pages: ${pages}).`
          : '',
      ].join('\n'),
    });
  },
};

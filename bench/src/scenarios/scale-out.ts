import { startBenchStack } from '../support/bench-stack.js';
import { cpuProfArgs } from '../support/cpu-prof.js';
import { int, ratio, seconds } from '../support/format.js';
import { measureSync, type SyncMeasurement } from '../support/measure-sync.js';
import { publishReport } from '../support/report.js';
import type { Scenario, ScenarioFlags } from './scenario.js';

const LOCATIONS = 10;
const PER_LOCATION = 20_000;
const PROCESSES = [1, 2, 4];
const LIMIT = { max: 100, intervalMs: 10_000 };

/** 10 locations at the real per-location limit with 1, 2 and 4 worker processes. */
export const scaleOutScenario: Scenario = {
  name: 'scale-out',
  summary: `${LOCATIONS} locations × ${int(PER_LOCATION)} opportunities at 100 req/10 s each, 1/2/4 worker processes`,
  duration: '~4 min',
  async run(flags: ScenarioFlags) {
    const perLocation = flags.quick ? 2_000 : PER_LOCATION;
    const results: Array<{ processes: number; m: SyncMeasurement }> = [];
    const failures: string[] = [];
    for (const processes of PROCESSES) {
      console.log(`\n== scale-out: ${processes} worker process(es) ==`);
      const stack = await startBenchStack({
        sandbox: {
          locations: LOCATIONS,
          opportunitiesPerLocation: perLocation,
          rateLimitMax: LIMIT.max,
          rateLimitIntervalMs: LIMIT.intervalMs,
        },
        env: { RATE_LIMIT_MAX: String(LIMIT.max), RATE_LIMIT_INTERVAL_MS: String(LIMIT.intervalMs) },
      });
      try {
        const m = await measureSync({
          stack,
          workers: processes,
          locationIds: stack.sandbox.locations.map((l) => l.id),
          timeoutMs: 20 * 60_000,
          nodeArgs: cpuProfArgs(flags.cpuProf, `scale-out-${processes}`),
        });
        results.push({ processes, m });
      } catch (err) {
        // Keep the configurations already measured: report them and say which one failed.
        console.error(`scale-out with ${processes} process(es) failed: ${(err as Error).message}`);
        failures.push(`${processes} process(es): ${(err as Error).message}`);
      } finally {
        await stack.stop();
      }
    }
    const rows = results.map(({ processes, m }) => {
      // Locations run in parallel, each bound by its own budget: the slowest location sets the floor.
      const floorMs = Math.max(...m.stats.map((s) => (s.requests * LIMIT.intervalMs) / LIMIT.max));
      const requests = m.stats.reduce((a, s) => a + s.requests, 0);
      const rejected = m.stats.reduce((a, s) => a + s.rejected429, 0);
      const maxWindow = Math.max(...m.stats.map((s) => s.maxInAnyWindow));
      const completed = m.runs.filter((r) => r.status === 'completed').length;
      const pass1 = Math.max(...m.timings.map((t) => t.pass1Ms));
      const pass1Min = Math.min(...m.timings.map((t) => t.pass1Ms));
      return {
        processes,
        ratio: m.wallMs / floorMs,
        cells: [
          String(processes),
          `${completed}/${m.runs.length}`,
          seconds(m.wallMs),
          seconds(floorMs),
          ratio(m.wallMs / floorMs),
          int(requests),
          int(rejected),
          int(maxWindow),
          `${seconds(pass1Min)} – ${seconds(pass1)}`,
        ],
      };
    });
    const four = rows.find((r) => r.processes === 4);
    publishReport({
      scenario: 'scale-out',
      title: `${LOCATIONS} locations × ${int(perLocation)} opportunities at 100 requests / 10 s per location`,
      method: `In-process sandbox, ${LOCATIONS} locations each at the real burst limit (${LIMIT.max} / ${LIMIT.intervalMs / 1000} s), all ${LOCATIONS} runs opened at once, with 1, 2 and 4 \`ghl-sync worker\` processes at their defaults (COORDINATOR_CONCURRENCY 16, WORKER_CONCURRENCY 8, margin 0.05). A fresh database and Redis prefix per row. Floor = max over locations of (requests ÷ 10 per second). Pass 1 column: fastest – slowest location.`,
      tables: [
        {
          header: [
            'processes',
            'completed',
            'wall',
            'floor',
            'wall/floor',
            'requests',
            '429s',
            'max in 10 s (any location)',
            'pass 1 per location',
          ],
          rows: rows.map((r) => r.cells),
        },
      ],
      notes: [
        four
          ? `Goal: 4 processes within 1.2× the floor → ${ratio(four.ratio)}: ${four.ratio <= 1.2 ? '**met**' : '**missed**'}.`
          : 'Goal (4 processes within 1.2× the floor): not measured.',
        ...failures.map((f) => `Failed: ${f}.`),
      ].join('\n'),
    });
  },
};

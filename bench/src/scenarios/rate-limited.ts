import { getListingPlan, type ListingPlan } from '@ghl-sync/db';
import type { SandboxKnobs } from '@ghl-sync/ghl-sandbox';
import { startBenchStack } from '../support/bench-stack.js';
import { cpuProfArgs } from '../support/cpu-prof.js';
import { int, ratio, seconds } from '../support/format.js';
import { measureSync, type SyncMeasurement } from '../support/measure-sync.js';
import { publishReport, reportSettings, type Table } from '../support/report.js';
import { runTimeline, type RunTimeline } from '../support/run-timeline.js';
import type { Scenario, ScenarioFlags } from './scenario.js';

/** GHL's burst limit: 100 requests per 10 s per location (ghl-api.md §4). */
const LIMIT = { max: 100, intervalMs: 10_000 };
/**
 * The limiter's spacing at that limit with the default settings: it grants at most 92 requests per
 * 10 s (5 % margin, minus the 2-request burst and 1; BENCHMARKS.md "What limits the figures" 3a).
 * A phase's idle budget is its duration minus its requests at this spacing.
 */
const SPACING_MS = LIMIT.intervalMs / 92;

/** One measured configuration: an account size and GHL's answer time, with its goal. */
interface AtLimitConfig {
  opportunities: number;
  latency: NonNullable<SandboxKnobs['latencyMs']> | null;
  /** Largest wall / floor that meets the goal. */
  goal: number;
}

interface AtLimitResult {
  config: AtLimitConfig;
  m: SyncMeasurement;
  plan: ListingPlan | null;
  timeline: RunTimeline;
}

const latencyLabel = (c: AtLimitConfig) =>
  c.latency ? `${c.latency.medianMs} ± ${c.latency.jitterMs} ms` : 'no added latency';

/** Syncs one location of `config.opportunities` at the real limit once, on a fresh stack. */
async function measureAtLimit(config: AtLimitConfig, flags: ScenarioFlags): Promise<AtLimitResult> {
  console.log(`\n== ${int(config.opportunities)} opportunities, ${latencyLabel(config)} ==`);
  const stack = await startBenchStack({
    sandbox: {
      locations: [{ opportunities: config.opportunities }],
      rateLimitMax: LIMIT.max,
      rateLimitIntervalMs: LIMIT.intervalMs,
    },
    env: { RATE_LIMIT_MAX: String(LIMIT.max), RATE_LIMIT_INTERVAL_MS: String(LIMIT.intervalMs) },
  });
  try {
    const id = stack.sandbox.locations[0]!.id;
    if (config.latency) stack.sandbox.admin.setKnobs(id, { latencyMs: config.latency });
    const m = await measureSync({
      stack,
      workers: 2,
      locationIds: [id],
      timeoutMs: 30 * 60_000,
      nodeArgs: cpuProfArgs(flags.cpuProf, 'rate-limited'),
    });
    const run = m.runs[0]!;
    const timeline = await runTimeline({
      db: stack.database.db,
      queues: stack.queues,
      run,
      acceptedTimes: stack.sandbox.admin.getAcceptedTimes(id),
      spacingMs: SPACING_MS,
    });
    return { config, m, plan: await getListingPlan(stack.database.db, run.id), timeline };
  } finally {
    await stack.stop();
  }
}

/** `requests ÷ 10 per second`: the least time the budget allows for `requests`, in ms. */
const floorMs = (requests: number) => requests / (LIMIT.max / LIMIT.intervalMs);
/**
 * The fewest requests any full sync of `opportunities` can make: the pipelines call, then one
 * listing request and one page re-fetch per 100 opportunities. Partitioned listing adds requests
 * (each partition's first page and short last page); the goal is judged against this floor, so
 * those extra requests count against ghl-sync.
 */
const leastRequests = (opportunities: number) => 1 + 2 * Math.ceil(opportunities / 100);

/** Seconds with two decimals: the short phases (enqueue, pickup, finalize) take tens of ms. */
const s2 = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** One table per measured configuration: the run's phases and the budget each left idle. */
function timelineTable({ config, timeline }: AtLimitResult): Table {
  const rows = timeline.phases.map((p) => [
    latencyLabel(config),
    p.label,
    s2(p.fromMs),
    s2(p.durationMs),
    int(p.requests),
    s2(p.idleMs),
  ]);
  const total = timeline.phases.reduce(
    (t, p) => ({
      durationMs: t.durationMs + p.durationMs,
      requests: t.requests + p.requests,
      idleMs: t.idleMs + p.idleMs,
    }),
    { durationMs: 0, requests: 0, idleMs: 0 },
  );
  rows.push([
    latencyLabel(config),
    `whole run${timeline.outside > 0 ? ` (${timeline.outside} requests outside it)` : ''}`,
    '',
    s2(total.durationMs),
    int(total.requests),
    s2(total.idleMs),
  ]);
  return { header: ['GHL answer time', 'phase', 'from', 'took', 'requests', 'idle budget'], rows };
}

function publish(scenario: string, title: string, results: AtLimitResult[]): void {
  const rows = results.map(({ config, m, plan }) => {
    const s = m.stats[0]!;
    const t = m.timings[0]!;
    const wallOverFloor = m.wallMs / floorMs(leastRequests(config.opportunities));
    return [
      int(config.opportunities),
      latencyLabel(config),
      m.runs[0]!.status,
      seconds(m.wallMs),
      seconds(floorMs(leastRequests(config.opportunities))),
      `${ratio(wallOverFloor)} (goal ≤ ${config.goal}×: ${wallOverFloor <= config.goal ? 'met' : 'missed'})`,
      int(s.requests),
      int(s.rejected429),
      int(s.maxInAnyWindow),
      plan?.kind === 'partitioned' ? `${plan.chains} over ${plan.partitions.length} partitions` : '1',
      seconds(t.pass1Ms),
      seconds(t.pass2Ms),
      int(m.runs[0]!.pages),
    ];
  });
  const no429 = results.every((r) => r.m.stats[0]!.rejected429 === 0);
  publishReport({
    scenario,
    title,
    method: [
      `In-process sandbox at the real burst limit (${LIMIT.max} requests per ${LIMIT.intervalMs / 1000} s, daily limit off), one location of generated opportunities, 2 \`ghl-sync worker\` processes with default settings (safety margin 0.05 → 95 requests / 10 s; LISTING_MAX_CHAINS 16). A fresh database and Redis prefix per row. Latency is added by the sandbox to every answer (median ± uniform jitter). Wall = run opened → run seen finished (100 ms polling). Floor = the fewest requests any full sync needs (1 pipelines call + 2 per 100 opportunities) ÷ 10 per second; the extra requests of a partitioned listing (each partition's first and short last page) and of the sweep count against ghl-sync. Requests = what the sandbox received. Chains = cursor chains pass 1 ran (from the run's listing plan). Pass 1 = \`started_at → listing_finished_at\`, pass 2 = \`listing_finished_at → finished_at\` (run row).`,
      '',
      `The timeline tables split each run at its marks: the run row, its page rows (\`listed_at\`: pass 1 recorded the page, right after its answer; page jobs' \`started_at\` / \`finished_at\`), the coordinator and finalize jobs in Redis (picked up, flow enqueued) and the sandbox's admission time of every request (\`bench/src/support/run-timeline.ts\`). Idle budget = the phase's time minus its requests at the limiter's spacing (${SPACING_MS.toFixed(1)} ms: 92 per 10 s, item 3a); it is what a phase leaves unused, whatever the reason.`,
    ].join('\n'),
    tables: [
      {
        header: [
          'opportunities',
          'GHL answer time',
          'status',
          'wall',
          'floor',
          'wall/floor',
          'requests',
          '429s',
          'max in 10 s',
          'chains',
          'pass 1',
          'pass 2',
          'pages',
        ],
        rows,
      },
      ...results.map(timelineTable),
    ],
    notes: `429s: ${no429 ? '0 in every configuration (**met**)' : 'some (see table; **missed**)'}.`,
  });
}

/** 5,301 opportunities at the real limit, without latency, with 250 ± 100 ms and with 1,000 ± 300 ms. */
export const rateLimitedScenario: Scenario = {
  name: 'rate-limited',
  summary: '5,301 opportunities, one location, 100 req/10 s; no latency, 250 ± 100 ms, 1,000 ± 300 ms',
  duration: '~2 min; --latency=0|250|1000 runs one row, --opportunities=N another size (both only print)',
  async run(flags: ScenarioFlags) {
    const opportunities = Number(flags.params['opportunities'] ?? (flags.quick ? 1_000 : 5_301));
    const latency = flags.params['latency'];
    const all: AtLimitConfig[] = [
      { opportunities, latency: null, goal: 1.15 },
      { opportunities, latency: { medianMs: 250, jitterMs: 100 }, goal: 1.25 },
      { opportunities, latency: { medianMs: 1_000, jitterMs: 300 }, goal: 1.35 },
    ];
    const configs = all.filter((c) => latency === undefined || String(c.latency?.medianMs ?? 0) === latency);
    if (configs.length === 0) throw new Error(`--latency must be 0, 250 or 1000 (got ${latency})`);
    // A part of the table, or another size, is a check: BENCHMARKS.md keeps the whole one.
    if (configs.length < all.length || flags.params['opportunities'] !== undefined) reportSettings.append = false;
    const results: AtLimitResult[] = [];
    for (const config of configs) results.push(await measureAtLimit(config, flags));
    publish('rate-limited', `${int(opportunities)} opportunities, one location at 100 requests / 10 s`, results);
  },
};

/** 100,000 opportunities at the real limit with 500 ms answers: the budget, not the latency, limits. */
export const rateLimitedLargeScenario: Scenario = {
  name: 'rate-limited-100k',
  summary: '100,000 opportunities, one location, 100 req/10 s, 500 ± 100 ms answers',
  duration: '~4 min',
  async run(flags: ScenarioFlags) {
    const opportunities = flags.quick ? 10_000 : 100_000;
    const result = await measureAtLimit({ opportunities, latency: { medianMs: 500, jitterMs: 100 }, goal: 1.2 }, flags);
    publish('rate-limited-100k', `${int(opportunities)} opportunities at 100 requests / 10 s, 500 ms answers`, [
      result,
    ]);
  },
};

import { loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { startBenchStack, type BenchStack } from '../support/bench-stack.js';
import { CORES, cpuBetween, readCpu, type CpuReading } from '../support/cpu-busy.js';
import { int, ratio, seconds, sleep } from '../support/format.js';
import { measureLimiterCost, type LimiterCost } from '../support/limiter-cost.js';
import { measureSync } from '../support/measure-sync.js';
import { diffPgWriteStats, readPgWriteStats, type PgWriteStats } from '../support/pg-write-stats.js';
import { diffCommandStats, readCommandStats } from '../support/redis-commandstats.js';
import { publishReport } from '../support/report.js';
import { GHL_DAILY_CAP, predictRoundMs, sizeFleet, type SizingInputs } from '../support/sizing-model.js';
import { startThrowawayRedis } from '../support/throwaway-redis.js';
import type { Scenario, ScenarioFlags } from './scenario.js';

/** Sizes the scenario lets you choose (`--name=value`), and their defaults. */
const DEFAULTS = {
  'latency-ms': 250,
  'calibrate-locations': 4,
  'calibrate-opportunities': 5_000,
  'verify-locations': 50,
  'verify-opportunities': 2_000,
  workers: '1,2,4',
  'limiter-requests': 2_000,
};
/** `--quick`: a smoke test of the scenario, in about a minute. */
const QUICK = {
  ...DEFAULTS,
  'calibrate-locations': 2,
  'calibrate-opportunities': 1_000,
  'verify-locations': 10,
  'verify-opportunities': 500,
  workers: '1,2',
  'limiter-requests': 300,
};
/** GHL's burst limit (ghl-api.md §4), used by the sandbox and the workers in the verification. */
const LIMIT = { max: 100, intervalMs: 10_000 };
/** What ghl-sync's limiter grants of that per second: at most 92 per 10 s (BENCHMARKS.md, what limits 3). */
const BUDGET_PER_SECOND = 9.2;
/** Limits off for the calibration: the workers, not the budget, must be what limits it. */
const NO_LIMIT_ENV = { RATE_LIMIT_MAX: '1000000' };
/** How long the workers are watched idle, for their background Redis traffic. */
const IDLE_MS = 5_000;
/** The fleets the model sizes: locations of 5,000 opportunities, every 30 min or every 6 h. */
const FLEETS = [100, 1_000, 10_000].flatMap((locations) =>
  [30, 360].map((intervalMinutes) => ({ locations, opportunitiesPerLocation: 5_000, intervalMinutes })),
);

/** One round of runs, measured: every location synced once, all opened at once. */
interface Round {
  workers: number;
  wallMs: number;
  /** Page-equivalents: opportunities listed ÷ 100, what the model counts in. */
  pages: number;
  /** Page jobs the runs actually made (stage partitions add short pages). */
  pageJobs: number;
  completed: number;
  runs: number;
  ghlRequests: number;
  maxRequestsPerLocation: number;
  redisCommands: number;
  redisUsec: number;
  redisTop: Array<{ command: string; calls: number }>;
  redisIdlePerWorkerSecond: number;
  pg: PgWriteStats;
  statements: number;
  /** Share of the machine's CPU busy during the round (all processes, this bench's and others'). */
  machineBusy: number;
  /** Cores the bench process (the sandbox answering GHL requests) used during the round. */
  sandboxCores: number;
}

const rowsOf = (pg: PgWriteStats) => pg.inserted + pg.updated + pg.deleted;
const fixed = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const pct = (x: number) => `${(x * 100).toFixed(x < 0.01 ? 2 : 1)} %`;

/** Syncs every location of `stack` once with `workers` fresh processes, counting Redis and Postgres. */
async function measureRound(stack: BenchStack, redis: Redis, workers: number): Promise<Round> {
  const locationIds = stack.sandbox.locations.map((l) => l.id);
  const pgBefore = await readPgWriteStats(stack.database.url);
  let idle = 0;
  let atStart = new Map() as Awaited<ReturnType<typeof readCommandStats>>;
  let atEnd = atStart;
  let cpuStart: CpuReading | undefined;
  let cpu = { machineBusy: NaN, selfCores: NaN };
  const m = await measureSync({
    stack,
    workers,
    locationIds,
    timeoutMs: 30 * 60_000,
    countQueries: true,
    beforeRuns: async () => {
      const before = await readCommandStats(redis);
      await sleep(IDLE_MS);
      atStart = await readCommandStats(redis);
      idle = diffCommandStats(before, atStart).calls / (IDLE_MS / 1000) / workers;
      cpuStart = readCpu();
    },
    afterRuns: async () => {
      atEnd = await readCommandStats(redis);
      if (cpuStart) cpu = cpuBetween(cpuStart, readCpu());
    },
  });
  const pg = diffPgWriteStats(pgBefore, await readPgWriteStats(stack.database.url));
  const commands = diffCommandStats(atStart, atEnd);
  return {
    workers,
    wallMs: m.wallMs,
    pages: m.runs.reduce((n, r) => n + r.listed, 0) / 100,
    pageJobs: m.runs.reduce((n, r) => n + r.pages, 0),
    completed: m.runs.filter((r) => r.status === 'completed').length,
    runs: m.runs.length,
    ghlRequests: m.stats.reduce((n, s) => n + s.requests, 0),
    maxRequestsPerLocation: Math.max(...m.stats.map((s) => s.requests)),
    redisCommands: commands.calls,
    redisUsec: commands.usec,
    redisTop: commands.byCommand.slice(0, 6),
    redisIdlePerWorkerSecond: idle,
    pg,
    statements: m.queries?.total ?? NaN,
    machineBusy: cpu.machineBusy,
    sandboxCores: cpu.selfCores,
  };
}

/** Per-page figures of a round, the model's inputs. */
function inputsOf(round: Round): SizingInputs {
  return {
    pagesPerSecondPerWorker: round.pages / (round.wallMs / 1000) / round.workers,
    redisCommandsPerPage: round.redisCommands / round.pages,
    redisUsecPerPage: round.redisUsec / round.pages,
    redisIdleCommandsPerWorkerSecond: round.redisIdlePerWorkerSecond,
    pgRowsPerPage: rowsOf(round.pg) / round.pages,
    pgStatementsPerPage: round.statements / round.pages,
    ghlRequestsPerPage: round.ghlRequests / round.pages,
    locationBudgetPerSecond: BUDGET_PER_SECOND,
  };
}

function setLatency(stack: BenchStack, latencyMs: number): void {
  if (latencyMs <= 0) return;
  for (const l of stack.sandbox.locations)
    stack.sandbox.admin.setKnobs(l.id, { latencyMs: { medianMs: latencyMs, jitterMs: Math.round(latencyMs / 5) } });
}

/** Per-worker throughput and per-page costs, a model for 100 to 10,000 locations, and a check of it. */
export const sizingScenario: Scenario = {
  name: 'sizing',
  summary:
    'per-page costs (worker throughput, Redis commands, Postgres rows, limiter), a fleet model, and the model checked with 1/2/4 workers; sizes: ' +
    Object.entries(DEFAULTS)
      .map(([k, v]) => `--${k}=${v}`)
      .join(' '),
  duration: '~5–10 min',
  async run(flags: ScenarioFlags) {
    const base = flags.quick ? QUICK : DEFAULTS;
    const num = (key: keyof typeof DEFAULTS) => Number(flags.params[key] ?? base[key]);
    const latencyMs = num('latency-ms');
    const workerCounts = String(flags.params['workers'] ?? base.workers)
      .split(',')
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 0);
    const loadStart = loadavg();
    const redisServer = await startThrowawayRedis();
    const redis = new Redis(redisServer.url, { maxRetriesPerRequest: 3 });
    try {
      // 1. Calibration: one worker process, limits off, GHL answering in `latencyMs`; the first
      // round loads the data, the second re-syncs it unchanged (the steady state of a schedule).
      console.log(
        `\n== calibration: ${num('calibrate-locations')} × ${int(num('calibrate-opportunities'))}, 1 worker ==`,
      );
      const calibration = await startBenchStack({
        sandbox: {
          locations: num('calibrate-locations'),
          opportunitiesPerLocation: num('calibrate-opportunities'),
          rateLimitMax: 0,
        },
        env: NO_LIMIT_ENV,
        redisUrl: redisServer.url,
      });
      let initial: Round;
      let steady: Round;
      let limiter: LimiterCost;
      try {
        setLatency(calibration, latencyMs);
        initial = await measureRound(calibration, redis, 1);
        steady = await measureRound(calibration, redis, 1);
        console.log('measuring the limiter …');
        limiter = await measureLimiterCost(redisServer.url, calibration.redis.prefix, num('limiter-requests'));
      } finally {
        await calibration.stop();
      }

      // 2. Verification: a bigger fleet at the real per-location limit, 1, 2 and 4 processes.
      const verified: Array<{ round: Round; predictedMs: number }> = [];
      const failures: string[] = [];
      const initialInputs = inputsOf(initial);
      for (const workers of workerCounts) {
        console.log(
          `\n== verification: ${num('verify-locations')} × ${int(num('verify-opportunities'))}, ${workers} worker(s) ==`,
        );
        const stack = await startBenchStack({
          sandbox: {
            locations: num('verify-locations'),
            opportunitiesPerLocation: num('verify-opportunities'),
            rateLimitMax: LIMIT.max,
            rateLimitIntervalMs: LIMIT.intervalMs,
          },
          env: { RATE_LIMIT_MAX: String(LIMIT.max), RATE_LIMIT_INTERVAL_MS: String(LIMIT.intervalMs) },
          redisUrl: redisServer.url,
        });
        try {
          setLatency(stack, latencyMs);
          const round = await measureRound(stack, redis, workers);
          const predictedMs = predictRoundMs({
            pages: round.pages,
            workers,
            pagesPerSecondPerWorker: initialInputs.pagesPerSecondPerWorker,
            requestsPerLocation: round.maxRequestsPerLocation,
            budgetPerSecond: BUDGET_PER_SECOND,
          });
          verified.push({ round, predictedMs });
        } catch (err) {
          console.error(`verification with ${workers} worker(s) failed: ${(err as Error).message}`);
          failures.push(`${workers} worker(s): ${(err as Error).message}`);
        } finally {
          await stack.stop();
        }
      }
      const loadEnd = loadavg();
      report({ flags, latencyMs, num, initial, steady, limiter, verified, failures, loadStart, loadEnd });
    } finally {
      redis.disconnect();
      await redisServer.stop();
    }
  },
};

function report(r: {
  flags: ScenarioFlags;
  latencyMs: number;
  num: (key: keyof typeof DEFAULTS) => number;
  initial: Round;
  steady: Round;
  limiter: LimiterCost;
  verified: Array<{ round: Round; predictedMs: number }>;
  failures: string[];
  loadStart: number[];
  loadEnd: number[];
}): void {
  const { initial, steady, limiter, num } = r;
  const inI = inputsOf(initial);
  const inS = inputsOf(steady);
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');
  const top = (round: Round) => round.redisTop.map((c) => `${c.command} ${fixed(c.calls / round.pages)}`).join(', ');
  const perPageRows = [
    ['pages per second, one worker process', fixed(inI.pagesPerSecondPerWorker), fixed(inS.pagesPerSecondPerWorker)],
    ['wall of the round', seconds(initial.wallMs), seconds(steady.wallMs)],
    [
      'page jobs per 100 opportunities',
      fixed(initial.pageJobs / initial.pages, 2),
      fixed(steady.pageJobs / steady.pages, 2),
    ],
    ['GHL requests per page', fixed(inI.ghlRequestsPerPage, 2), fixed(inS.ghlRequestsPerPage, 2)],
    [
      'Redis commands per page (inner commands of scripts included)',
      fixed(inI.redisCommandsPerPage),
      fixed(inS.redisCommandsPerPage),
    ],
    ['Redis server time per page', `${int(inI.redisUsecPerPage)} µs`, `${int(inS.redisUsecPerPage)} µs`],
    ['most frequent Redis commands per page', top(initial), top(steady)],
    [
      'Redis commands per idle worker per second',
      fixed(initial.redisIdlePerWorkerSecond),
      fixed(steady.redisIdlePerWorkerSecond),
    ],
    ['Postgres rows written per page', fixed(inI.pgRowsPerPage), fixed(inS.pgRowsPerPage)],
    [
      '… inserted / updated / deleted per page',
      [initial.pg.inserted, initial.pg.updated, initial.pg.deleted].map((n) => fixed(n / initial.pages)).join(' / '),
      [steady.pg.inserted, steady.pg.updated, steady.pg.deleted].map((n) => fixed(n / steady.pages)).join(' / '),
    ],
    ['SQL statements per page', fixed(inI.pgStatementsPerPage), fixed(inS.pgStatementsPerPage)],
    ['Postgres commits per page', fixed(initial.pg.commits / initial.pages), fixed(steady.pg.commits / steady.pages)],
    ['machine CPU busy during the round', pct(initial.machineBusy), pct(steady.machineBusy)],
    ['cores the sandbox (bench process) used', fixed(initial.sandboxCores, 2), fixed(steady.sandboxCores, 2)],
  ];
  const modelRows = FLEETS.map((fleet) => {
    const s = sizeFleet(inS, fleet);
    return [
      int(fleet.locations),
      fleet.intervalMinutes === 30 ? 'every 30 min' : 'every 6 h (webhooks)',
      int(s.pagesPerRound),
      fixed(s.averagePagesPerSecond),
      int(s.workers),
      int(s.peakPagesPerSecond),
      int(s.redisOpsPerSecondPeak),
      pct(s.redisCorePeak),
      int(s.pgRowsPerSecondPeak),
      int(s.pgStatementsPerSecondPeak),
      `${int(s.ghlRequestsPerLocationDay)} (${pct(s.ghlCapShare)})`,
      int(s.ghlRequestsFleetDay),
    ];
  });
  const verifyRows = r.verified.map(({ round, predictedMs }) => {
    const predictedCommands = round.pages * inI.redisCommandsPerPage;
    const predictedRows = round.pages * inI.pgRowsPerPage;
    return [
      String(round.workers),
      `${round.completed}/${round.runs}`,
      int(round.pages),
      seconds(predictedMs),
      seconds(round.wallMs),
      ratio(round.wallMs / predictedMs),
      `${int(predictedCommands)} / ${int(round.redisCommands)}`,
      `${int(predictedRows)} / ${int(rowsOf(round.pg))}`,
      `${pct(round.machineBusy)} of ${CORES} cores`,
      fixed(round.sandboxCores, 2),
    ];
  });
  const calib = `${num('calibrate-locations')} locations × ${int(num('calibrate-opportunities'))} opportunities`;
  const verify = `${num('verify-locations')} locations × ${int(num('verify-opportunities'))} opportunities`;
  publishReport({
    scenario: 'sizing',
    title: `per-page costs and a fleet model (calibrated on ${calib}, checked on ${verify})`,
    method: [
      `**Calibration.** ${calib}, GHL answering in ${r.latencyMs} ± ${Math.round(r.latencyMs / 5)} ms (sandbox latency knob), limits off (\`rateLimitMax 0\`, \`RATE_LIMIT_MAX=1000000\`) so the one \`ghl-sync worker\` process (default concurrency) is what limits the round. Round 1 loads the data into an empty database; round 2 re-syncs it unchanged, the steady state of a schedule, and feeds the model. "Per page" means per 100 opportunities listed: a run lists in stage partitions, whose edges make short pages, and counting per 100 opportunities puts that overhead (and each run's fixed calls) into the figures. Redis runs as a \`redis-server\` of the bench's own, so \`INFO commandstats\` (calls and server µs per command, from the runs opening to the last finishing) counts only this deployment: the workers, the bench's run opening and its 100 ms polls. Idle traffic: the same counters over ${IDLE_MS / 1000} s with the workers connected and nothing queued. Postgres rows: \`pg_stat_database\` of the bench's database (\`tup_inserted + tup_updated + tup_deleted\`), read 1.5 s after the workers exited; statements are counted in the workers (query-counter preload).`,
      `**Limiter.** ${int(limiter.requests)} requests through the real limiter, each an \`acquire\` and an \`observe\` with GHL's rate-limit headers, one after another, with a budget that never makes anyone wait.`,
      `**Model.** Locations of 5,000 opportunities (50 pages), every location synced every 30 min (or every 6 h with webhooks on; webhook re-reads come on top: 1 GHL request, 1 record job and one upsert per changed opportunity). The default schedule fires every location at the same minute, so workers are sized to drain a whole round within half the interval: workers = pages per round ÷ (0.5 × interval × pages/s of one worker). Redis and Postgres rates are those of that drain (the peak); Redis ops are commands as \`INFO commandstats\` counts them, those that Lua scripts run included; Redis's share of one core = server µs per page × pages/s (Redis runs commands on one thread). GHL requests per location and day against GHL's cap of ${int(GHL_DAILY_CAP)} per app per location (ghl-api.md §4); the cap does not grow or shrink with the fleet.`,
      `**Check.** ${verify} at GHL's real limit (100 requests / 10 s per location), ${r.latencyMs} ms answers, all runs opened at once, a fresh database per row; predicted wall = max(pages ÷ (workers × round-1 pages/s), the busiest location's requests ÷ ${BUDGET_PER_SECOND}/s). Redis commands and rows written are predicted from round 1's per-page figures.`,
    ].join('\n\n'),
    tables: [
      { header: ['per page (calibration)', 'round 1: initial load', 'round 2: unchanged re-sync'], rows: perPageRows },
      {
        header: ['limiter, per GHL request', 'value'],
        rows: [
          ['Redis commands', fixed(limiter.commandsPerRequest, 2)],
          ['by command', limiter.byCommand.map((c) => `${c.command} ${fixed(c.perRequest, 2)}`).join(', ')],
          ['Redis server time', `${fixed(limiter.redisUsecPerRequest)} µs`],
          [
            'acquire + observe, as the caller waits (round trips included)',
            `${fixed(limiter.clientUsecPerRequest)} µs`,
          ],
        ],
      },
      {
        header: [
          'locations',
          'full sync',
          'pages / round',
          'avg pages/s',
          'workers',
          'peak pages/s',
          'Redis ops/s',
          'Redis core',
          'PG rows/s',
          'SQL stmts/s',
          'GHL req/day per location (of cap)',
          'GHL req/day, fleet',
        ],
        rows: modelRows,
      },
      {
        header: [
          'workers',
          'completed',
          'pages (÷ 100 opp.)',
          'predicted wall',
          'measured wall',
          'measured ÷ predicted',
          'Redis commands predicted / measured',
          'PG rows predicted / measured',
          'machine CPU busy',
          'sandbox cores',
        ],
        rows: verifyRows,
      },
    ],
    notes: [
      `Load average (1 / 5 / 15 min) at the start: ${load(r.loadStart)}; at the end: ${load(r.loadEnd)} — on a 2-core machine shared with other work, so every rate here is a floor: the sandbox, the workers, Postgres and Redis share those 2 cores, and more processes than cores cannot scale linearly. The lead may rerun it on a quiet machine.`,
      r.flags.quick ? 'Quick run (smaller sizes): a smoke test, not figures to plan with.' : '',
      Object.keys(r.flags.params).length > 0
        ? 'Sizes changed from the defaults: ' +
          Object.entries(r.flags.params)
            .map(([k, v]) => `--${k}=${v}`)
            .join(' ') +
          '.'
        : '',
      ...r.failures.map((f) => `Failed: ${f}.`),
    ]
      .filter(Boolean)
      .join('\n\n'),
  });
}

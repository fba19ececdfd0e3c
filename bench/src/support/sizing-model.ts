/** GHL's daily request cap per app per location (ghl-api.md §4). */
export const GHL_DAILY_CAP = 200_000;

/** What the sizing scenario measured, per page of 100 opportunities (steady state: a re-sync). */
export interface SizingInputs {
  /** Pages one worker process syncs per second, end to end (listing, re-fetch, write). */
  pagesPerSecondPerWorker: number;
  /** Redis commands per page, every process included (queues, flows, limiter, locks). */
  redisCommandsPerPage: number;
  /** Redis server time per page, µs. */
  redisUsecPerPage: number;
  /** Redis commands per second of one idle worker process (blocking polls, stalled checks). */
  redisIdleCommandsPerWorkerSecond: number;
  /** Postgres rows written (inserted + updated + deleted) per page. */
  pgRowsPerPage: number;
  /** SQL statements per page. */
  pgStatementsPerPage: number;
  /** GHL requests per page (pass-1 listing, page re-fetch, the run's fixed calls spread over its pages). */
  ghlRequestsPerPage: number;
  /** GHL requests per second one location's budget grants (ghl-sync's limiter: 92 per 10 s). */
  locationBudgetPerSecond: number;
}

/** One fleet to size. */
export interface Fleet {
  locations: number;
  opportunitiesPerLocation: number;
  /** A full sync of every location this often, in minutes. */
  intervalMinutes: number;
  /** Share of the interval a round of syncs may take; workers are sized for it. @defaultValue 0.5 */
  targetBusyShare?: number;
}

/** The model's answer for one fleet. */
export interface FleetSize {
  pagesPerRound: number;
  /** Pages per second averaged over the interval. */
  averagePagesPerSecond: number;
  /** Worker processes to finish a round within `targetBusyShare` of the interval. */
  workers: number;
  /**
   * Pages per second while a round drains with that many workers; never more than every
   * location's rate budget allows at once.
   */
  peakPagesPerSecond: number;
  redisOpsPerSecondPeak: number;
  /** Share of one Redis core (Redis runs commands on one thread) at the peak. */
  redisCorePeak: number;
  pgRowsPerSecondPeak: number;
  pgStatementsPerSecondPeak: number;
  ghlRequestsPerLocationDay: number;
  /** `ghlRequestsPerLocationDay` ÷ {@link GHL_DAILY_CAP}. */
  ghlCapShare: number;
  ghlRequestsFleetDay: number;
}

/**
 * Sizes a fleet from per-page costs. Every location's schedule may fire at the same minute (the
 * default cron does), so a round's pages arrive at once and must be done within
 * `targetBusyShare × interval`: workers = that rate ÷ one worker's rate, rounded up. Redis and
 * Postgres are sized at that drain rate, which is what they see while a round runs.
 */
export function sizeFleet(inputs: SizingInputs, fleet: Fleet): FleetSize {
  const pagesPerLocation = Math.ceil(fleet.opportunitiesPerLocation / 100);
  const pagesPerRound = fleet.locations * pagesPerLocation;
  const intervalS = fleet.intervalMinutes * 60;
  const busyShare = fleet.targetBusyShare ?? 0.5;
  const averagePagesPerSecond = pagesPerRound / intervalS;
  const workers = Math.max(1, Math.ceil(pagesPerRound / (busyShare * intervalS) / inputs.pagesPerSecondPerWorker));
  const budgetPagesPerSecond = (fleet.locations * inputs.locationBudgetPerSecond) / inputs.ghlRequestsPerPage;
  const peakPagesPerSecond = Math.min(workers * inputs.pagesPerSecondPerWorker, budgetPagesPerSecond);
  const redisOpsPerSecondPeak =
    peakPagesPerSecond * inputs.redisCommandsPerPage + workers * inputs.redisIdleCommandsPerWorkerSecond;
  const runsPerDay = (24 * 60) / fleet.intervalMinutes;
  const ghlRequestsPerLocationDay = runsPerDay * pagesPerLocation * inputs.ghlRequestsPerPage;
  return {
    pagesPerRound,
    averagePagesPerSecond,
    workers,
    peakPagesPerSecond,
    redisOpsPerSecondPeak,
    redisCorePeak: (peakPagesPerSecond * inputs.redisUsecPerPage) / 1e6,
    pgRowsPerSecondPeak: peakPagesPerSecond * inputs.pgRowsPerPage,
    pgStatementsPerSecondPeak: peakPagesPerSecond * inputs.pgStatementsPerPage,
    ghlRequestsPerLocationDay,
    ghlCapShare: ghlRequestsPerLocationDay / GHL_DAILY_CAP,
    ghlRequestsFleetDay: ghlRequestsPerLocationDay * fleet.locations,
  };
}

/**
 * The wall time the model predicts for one round of `locations` runs opened at once on `workers`
 * processes: the pages at the workers' combined rate, but never less than one location's run at
 * its rate budget (`requestsPerLocation` at `budgetPerSecond`).
 */
export function predictRoundMs(options: {
  pages: number;
  workers: number;
  pagesPerSecondPerWorker: number;
  requestsPerLocation: number;
  budgetPerSecond: number;
}): number {
  const byWorkers = options.pages / (options.workers * options.pagesPerSecondPerWorker);
  const byBudget = options.requestsPerLocation / options.budgetPerSecond;
  return Math.max(byWorkers, byBudget) * 1000;
}

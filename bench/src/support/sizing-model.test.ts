import { describe, expect, it } from 'vitest';
import { predictRoundMs, sizeFleet, type SizingInputs } from './sizing-model.js';

const inputs: SizingInputs = {
  pagesPerSecondPerWorker: 20,
  redisCommandsPerPage: 50,
  redisUsecPerPage: 400,
  redisIdleCommandsPerWorkerSecond: 2,
  pgRowsPerPage: 110,
  pgStatementsPerPage: 12,
  ghlRequestsPerPage: 2.02,
  locationBudgetPerSecond: 9.2,
};

describe('sizing model', () => {
  it('sizes 1,000 locations of 5,000 opportunities every 30 min', () => {
    const size = sizeFleet(inputs, { locations: 1_000, opportunitiesPerLocation: 5_000, intervalMinutes: 30 });
    // 50,000 pages in at most 900 s = 55.6 pages/s, 20 per worker → 3 workers at 60 pages/s.
    expect(size.pagesPerRound).toBe(50_000);
    expect(size.averagePagesPerSecond).toBeCloseTo(27.78, 2);
    expect(size.workers).toBe(3);
    expect(size.peakPagesPerSecond).toBe(60);
    expect(size.redisOpsPerSecondPeak).toBe(60 * 50 + 3 * 2);
    expect(size.redisCorePeak).toBeCloseTo(0.024, 6);
    expect(size.pgRowsPerSecondPeak).toBe(6_600);
    expect(size.pgStatementsPerSecondPeak).toBe(720);
    // 48 runs × 50 pages × 2.02 requests.
    expect(size.ghlRequestsPerLocationDay).toBeCloseTo(4_848, 6);
    expect(size.ghlCapShare).toBeCloseTo(0.02424, 6);
    expect(size.ghlRequestsFleetDay).toBeCloseTo(4_848_000, 3);
  });

  it('never sizes below one worker, nor a peak above what the budgets of the locations allow', () => {
    const size = sizeFleet(inputs, { locations: 1, opportunitiesPerLocation: 5_000, intervalMinutes: 360 });
    expect(size.workers).toBe(1);
    // One location: 9.2 requests/s ÷ 2.02 requests per page.
    expect(size.peakPagesPerSecond).toBeCloseTo(9.2 / 2.02, 6);
  });

  it('predicts a round from the workers or the budget, whichever is slower', () => {
    const base = { pages: 1_000, pagesPerSecondPerWorker: 20, requestsPerLocation: 41, budgetPerSecond: 9.2 };
    expect(predictRoundMs({ ...base, workers: 1 })).toBe(50_000);
    expect(predictRoundMs({ ...base, workers: 4 })).toBe(12_500);
    expect(predictRoundMs({ ...base, workers: 100 })).toBeCloseTo((41 / 9.2) * 1000, 6);
  });
});

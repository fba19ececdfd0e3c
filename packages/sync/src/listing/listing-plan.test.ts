import { describe, expect, it } from 'vitest';
import { checkPartitionTotals } from './check-partition-totals.js';
import { chooseChainCount } from './choose-chain-count.js';
import { mapWithConcurrency } from './map-with-concurrency.js';
import type { PartitionFilter } from '@ghl-sync/db';
import { PARTITION_STATUSES, cutOptions, inPartition, planPartitions, samePartition } from './plan-partitions.js';

const budget = { requestsPerSecond: 9.5, minChains: 1, maxChains: 16 };
const pipelines = [
  { pipelineId: 'p1', stageIds: ['s1', 's2', 's3'] },
  { pipelineId: 'p2', stageIds: ['s4', 's5'] },
  { pipelineId: 'p3', stageIds: [] },
];
const pipelines4 = [...pipelines, { pipelineId: 'p4', stageIds: ['s6'] }];

describe('chooseChainCount', () => {
  it('keeps one chain for a fast API and adds chains as answers slow down, within the bounds', () => {
    expect(chooseChainCount({ ...budget, answerMs: 30 })).toBe(1);
    expect(chooseChainCount({ ...budget, answerMs: 250 })).toBe(3); // 9.5 × 0.25 × 1.25 = 2.97
    expect(chooseChainCount({ ...budget, answerMs: 1_000 })).toBe(12);
    expect(chooseChainCount({ ...budget, answerMs: 5_000 })).toBe(16);
    expect(chooseChainCount({ ...budget, answerMs: 30, minChains: 4 })).toBe(4);
    expect(chooseChainCount({ ...budget, answerMs: 1_000, maxChains: 1 })).toBe(1);
  });
});

describe('planPartitions', () => {
  const rules = { chains: 4, maxSize: 1_500, targetSize: 1_500, minSplitSize: 200, maxPartitions: 64 };
  const sized = (...sizes: number[]) => sizes.map((size, i) => ({ filter: { pipelineId: `p${i + 1}` }, size }));

  it('keeps the pipelines when there is one per chain and none is far above its share', () => {
    expect(planPartitions(sized(1_300, 1_200, 1_400, 1_401), pipelines4, rules)).toEqual(
      sized(1_300, 1_200, 1_400, 1_401),
    );
  });

  it('cuts only the largest pipeline into its stages when there are fewer pipelines than chains', () => {
    const plan = planPartitions(sized(3_000, 1_000, 600), pipelines, rules);
    // p1 (3 stages) is cut, p2 and p3 stay whole: 5 partitions, not the 6 of a whole stage level.
    expect(plan.map((p) => p.filter)).toEqual([
      { pipelineId: 'p1', pipelineStageId: 's1' },
      { pipelineId: 'p1', pipelineStageId: 's2' },
      { pipelineId: 'p1', pipelineStageId: 's3' },
      { pipelineId: 'p2' },
      { pipelineId: 'p3' },
    ]);
    expect(plan.map((p) => p.size)).toEqual([1_000, 1_000, 1_000, 1_000, 600]);
  });

  it('shares a cut partition among its children by weight, and cuts a child again while it is too large', () => {
    const stageShare = (f: PartitionFilter) =>
      f.pipelineStageId === undefined ? 1 : f.pipelineStageId === 's4' ? 0.9 : 0.1;
    const statusShare = (f: PartitionFilter) => (f.status === undefined ? 1 : f.status === 'open' ? 0.6 : 0.4 / 3);
    const weight = (f: PartitionFilter) => stageShare(f) * statusShare(f);
    const plan = planPartitions(sized(100, 4_000, 100), pipelines, { ...rules, chains: 2 }, weight);
    // p2 holds 4,000 of 4,200. Neither cut keeps its largest child within 1,500 (stage s4: 3,600;
    // open: 2,400), so the smaller largest child: by status. Open is still above 1,500, so it is cut
    // by stage; its s4 part (2,160) cannot be cut further.
    expect(plan.map((p) => [p.filter, Math.round(p.size)])).toEqual([
      [{ pipelineId: 'p1' }, 100],
      [{ pipelineId: 'p2', status: 'open', pipelineStageId: 's4' }, 2_160],
      [{ pipelineId: 'p2', status: 'open', pipelineStageId: 's5' }, 240],
      [{ pipelineId: 'p2', status: 'won' }, 533],
      [{ pipelineId: 'p2', status: 'lost' }, 533],
      [{ pipelineId: 'p2', status: 'abandoned' }, 533],
      [{ pipelineId: 'p3' }, 100],
    ]);
  });

  it('never cuts a partition of two pages or less, an empty one, or past the partition cap', () => {
    expect(planPartitions(sized(150, 150, 0), pipelines, { ...rules, chains: 8 })).toEqual(sized(150, 150, 0));
    // p1 by status (1,250 each fits 1,500; its stages would hold 1,667): 6 partitions; cutting p2
    // as well would make 9.
    expect(planPartitions(sized(5_000, 5_000, 5_000), pipelines, { ...rules, chains: 16, maxPartitions: 6 })).toEqual([
      ...PARTITION_STATUSES.map((status) => ({ filter: { pipelineId: 'p1', status }, size: 1_250 })),
      { filter: { pipelineId: 'p2' }, size: 5_000 },
      { filter: { pipelineId: 'p3' }, size: 5_000 },
    ]);
  });

  it('counts only partitions known to hold records towards the chains', () => {
    // Two pipelines are empty: the one that is not is cut so that two chains have work.
    const plan = planPartitions(sized(0, 900, 0), pipelines, { ...rules, chains: 2 });
    expect(plan.map((p) => p.filter)).toEqual([
      { pipelineId: 'p1' },
      { pipelineId: 'p2', pipelineStageId: 's4' },
      { pipelineId: 'p2', pipelineStageId: 's5' },
      { pipelineId: 'p3' },
    ]);
  });

  it('reads a record into its partition', () => {
    const record = { id: 'o1', pipelineId: 'p1', pipelineStageId: 's2', status: 'won' };
    expect(inPartition(record, { pipelineId: 'p1' })).toBe(true);
    expect(inPartition(record, { pipelineId: 'p1', pipelineStageId: 's2', status: 'won' })).toBe(true);
    expect(inPartition(record, { pipelineId: 'p1', pipelineStageId: 's1' })).toBe(false);
    expect(inPartition(null, { pipelineId: 'p1' })).toBe(false);
  });

  it('cuts a pipeline by stage or by status, a stage by status, a status of a pipeline by stage', () => {
    const statuses = (f: PartitionFilter) => PARTITION_STATUSES.map((status) => ({ ...f, status }));
    expect(cutOptions({ pipelineId: 'p2' }, pipelines)).toEqual([
      [
        { pipelineId: 'p2', pipelineStageId: 's4' },
        { pipelineId: 'p2', pipelineStageId: 's5' },
      ],
      statuses({ pipelineId: 'p2' }),
    ]);
    expect(cutOptions({ pipelineId: 'p3' }, pipelines)).toEqual([statuses({ pipelineId: 'p3' })]);
    expect(cutOptions({ pipelineId: 'p1', pipelineStageId: 's1' }, pipelines)).toEqual([
      statuses({ pipelineId: 'p1', pipelineStageId: 's1' }),
    ]);
    expect(cutOptions({ pipelineId: 'p1', status: 'lost' }, pipelines)).toEqual([
      ['s1', 's2', 's3'].map((s) => ({ pipelineId: 'p1', status: 'lost', pipelineStageId: s })),
    ]);
    expect(cutOptions({ pipelineId: 'p1', pipelineStageId: 's1', status: 'won' }, pipelines)).toEqual([]);
  });

  it('takes the cut with fewer children when its largest child fits, else the one with the smaller largest child', () => {
    const wide = [{ pipelineId: 'p9', stageIds: ['a', 'b', 'c', 'd', 'e', 'f'] }];
    const one = [{ filter: { pipelineId: 'p9' }, size: 1_200 }];
    const skewed = (f: PartitionFilter) => (f.status === 'open' ? 7 : f.status !== undefined ? 1 : 1);
    // Statuses: open would hold 840 of 1,200; stages: 200 each.
    const loose = planPartitions(one, wide, { ...rules, chains: 3, targetSize: 900 }, skewed);
    expect(loose.map((p) => p.filter.status)).toEqual(['open', 'won', 'lost', 'abandoned']);
    const tight = planPartitions(one, wide, { ...rules, chains: 3, targetSize: 400 }, skewed);
    expect(tight.map((p) => [p.filter.pipelineStageId, p.size])).toEqual(
      ['a', 'b', 'c', 'd', 'e', 'f'].map((s) => [s, 200]),
    );
  });

  it('compares partitions whatever their key order', () => {
    expect(
      samePartition({ pipelineStageId: 's1', pipelineId: 'p1' }, { pipelineId: 'p1', pipelineStageId: 's1' }),
    ).toBe(true);
    expect(samePartition({ pipelineId: 'p1' }, { pipelineId: 'p1', status: 'open' })).toBe(false);
    expect(samePartition(null, null)).toBe(true);
    expect(samePartition(null, { pipelineId: 'p1' })).toBe(false);
  });
});

describe('checkPartitionTotals', () => {
  const tolerance = { totalTolerance: 0.02, totalToleranceAbs: 3 };
  const parts = (...totals: Array<number | null>) => totals.map((total, i) => ({ label: `p${i}`, total }));

  it('accepts partitions that add up exactly, or overlap within the sweep tolerance (a move between first pages)', () => {
    expect(checkPartitionTotals({ ...tolerance, unfilteredTotal: 1_000, partitions: parts(500, 300, 200) })).toEqual({
      complete: true,
      sum: 1_000,
    });
    expect(checkPartitionTotals({ ...tolerance, unfilteredTotal: 1_000, partitions: parts(500, 300, 220) })).toEqual({
      complete: true,
      sum: 1_020,
    });
    expect(checkPartitionTotals({ ...tolerance, unfilteredTotal: 10, partitions: parts(10, 3) })).toEqual({
      complete: true,
      sum: 13,
    });
  });

  it('never tolerates a deficit, however small: those opportunities lie outside every partition', () => {
    // 3,003 of 3,004: inside the sweep guard's tolerance (2% or 3 records), refused all the same.
    expect(checkPartitionTotals({ ...tolerance, unfilteredTotal: 3_004, partitions: parts(2_000, 1_003) })).toEqual({
      complete: false,
      reason: '2 partitions add up to 3003 but the unfiltered listing has 3004: 1 opportunity outside every partition',
      outside: 1,
    });
    expect(checkPartitionTotals({ ...tolerance, unfilteredTotal: 1_000, partitions: parts(500, 300, 170) })).toEqual({
      complete: false,
      reason:
        '3 partitions add up to 970 but the unfiltered listing has 1000: 30 opportunities outside every partition',
      outside: 30,
    });
  });

  it('refuses an overlap beyond the tolerance (an ignored filter) and a silent partition', () => {
    expect(checkPartitionTotals({ ...tolerance, unfilteredTotal: 1_000, partitions: parts(500, 300, 221) })).toEqual({
      complete: false,
      reason: '3 partitions add up to 1021 but the unfiltered listing has 1000 (overlap tolerance 2% or 3 records)',
    });
    expect(
      checkPartitionTotals({ ...tolerance, unfilteredTotal: 1_000, partitions: parts(1_000, 1_000) }),
    ).toMatchObject({ complete: false });
    expect(checkPartitionTotals({ ...tolerance, unfilteredTotal: 10, partitions: parts(10, 4) })).toMatchObject({
      complete: false,
    });
    expect(checkPartitionTotals({ ...tolerance, unfilteredTotal: 10, partitions: parts(10, null) })).toEqual({
      complete: false,
      reason: 'partition p1 reported no meta.total',
    });
  });
});

describe('mapWithConcurrency', () => {
  it('never runs more than the limit at once and keeps the order of results', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapWithConcurrency([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setImmediate(resolve));
      running -= 1;
      return n * 10;
    });
    expect(out).toEqual([10, 20, 30, 40, 50, 60, 70]);
    expect(peak).toBe(3);
  });

  it('starts nothing after a failure, waits for the items in flight, then throws the first error', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const run = mapWithConcurrency([1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      if (n === 1) throw new Error('boom');
      await new Promise((resolve) => setImmediate(resolve));
      finished.push(n);
      return n;
    });
    await expect(run).rejects.toThrow('boom');
    expect(started).toEqual([1, 2]);
    expect(finished).toEqual([2]);
  });
});

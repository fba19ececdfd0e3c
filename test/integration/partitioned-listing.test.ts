import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@ghl-sync/config';
import { getListingPlan, getRun, listPages, type ListingPlan, type SyncRunPage } from '@ghl-sync/db';
import { silentLogger } from '@ghl-sync/logger';
import { runCoordinator } from '@ghl-sync/sync';
import { createSyncRuntime, type SyncRuntime } from '@ghl-sync/worker';
import { CLI_BIN, startTestStack, type TestStack } from '../support/test-stack.js';

type Partitioned = Extract<ListingPlan, { kind: 'partitioned' }>;

/** Pages grouped by partition, each group in chain order. */
function chainsOf(pages: SyncRunPage[]): SyncRunPage[][] {
  const groups = new Map<string, SyncRunPage[]>();
  for (const p of pages) {
    const key = JSON.stringify([p.partition?.pipelineId, p.partition?.pipelineStageId, p.partition?.status]);
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  return [...groups.values()].map((g) => g.sort((a, b) => a.chainPageNo - b.chainPageNo));
}

/** The fields page jobs change (pass 1's fields must not change). */
const PAGE_JOB_FIELDS = [
  'status',
  'fetched',
  'inserted',
  'updated',
  'unchanged',
  'duplicates',
  'recordErrors',
  'apiCalls',
  'attempts',
  'errorCode',
  'error',
  'startedAt',
  'finishedAt',
] as const satisfies readonly (keyof SyncRunPage)[];

/** The fields page jobs change, taken from the page's later state. */
function pick(pages: SyncRunPage[], pageNo: number): Partial<SyncRunPage> {
  const p = pages.find((x) => x.pageNo === pageNo)!;
  return Object.fromEntries(PAGE_JOB_FIELDS.map((k) => [k, p[k]])) as Partial<SyncRunPage>;
}

/** Every chain is contiguous: page k+1 starts exactly where page k said the next one starts. */
function expectContiguousChains(pages: SyncRunPage[]): void {
  for (const chain of chainsOf(pages)) {
    expect(chain.map((p) => p.chainPageNo)).toEqual(chain.map((_, i) => i + 1));
    expect(chain[0]!.start).toBeNull();
    for (let i = 1; i < chain.length; i++) expect(chain[i]!.start).toEqual(chain[i - 1]!.next);
    expect(chain[chain.length - 1]!.isLast).toBe(true);
  }
}

/** The pipelines (with their stage ids) GHL lists for the location at `index` of the sandbox. */
async function pipelinesOf(
  stack: TestStack,
  locationId: string,
  index: number,
): Promise<Array<{ id: string; stages: Array<{ id: string }> }>> {
  const res = await fetch(`${stack.sandbox.url}/opportunities/pipelines?locationId=${locationId}`, {
    headers: { Authorization: `Bearer ${stack.sandbox.locations[index]!.token}`, Version: '2021-07-28' },
  });
  return ((await res.json()) as { pipelines: Array<{ id: string; stages: Array<{ id: string }> }> }).pipelines;
}

// Partitioned pass 1: disjoint partitions (pipeline / stage / status filters), one cursor chain
// each, checked for completeness against the unfiltered meta.total. LISTING_MIN_CHAINS forces the
// chains the answer time of a fast local sandbox would not ask for.
describe('pass 1 over disjoint partitions', () => {
  let stack: TestStack;
  const runsShow = (...args: string[]) =>
    spawnSync(process.execPath, [CLI_BIN, 'runs', 'show', ...args], {
      env: { ...process.env, ...stack.env },
      encoding: 'utf8',
    });
  let runtime: SyncRuntime;
  let main: string;
  let orphaned: string;
  let resumed: string;
  let moving: string;
  let prefetching: string;
  let gap: string;
  let deleting: string;
  beforeAll(async () => {
    stack = await startTestStack({
      sandbox: {
        seed: 12,
        locations: [
          { opportunities: 1_234 },
          { opportunities: 300 },
          { opportunities: 900 },
          { opportunities: 0 },
          { opportunities: 0 },
          { opportunities: 300 },
          { opportunities: 300 },
        ],
      },
      env: { LISTING_MIN_CHAINS: '4', LISTING_MAX_CHAINS: '16', GHL_MAX_ATTEMPTS: '1' },
    });
    [main, orphaned, resumed, moving, prefetching, gap, deleting] = stack.sandbox.locations.map((l) => l.id) as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    runtime = createSyncRuntime(loadConfig(stack.env), silentLogger());
    await stack.startWorkers(2);
  });
  afterAll(async () => {
    await runtime?.registry.closeAll();
    await stack?.stop();
  });

  it('lists every opportunity once through partitions that add up, and page jobs re-fetch within them', async () => {
    const run = await stack.sync(main);
    expect(run).toMatchObject({
      status: 'completed',
      listed: 1_234,
      reportedTotal: 1_234,
      inserted: 1_234,
      deleted: 0,
      duplicates: 0,
      failedPages: 0,
      sweepStatus: 'done',
    });
    const plan = (await getListingPlan(stack.database.db, run.id)) as Partitioned;
    expect(plan.kind).toBe('partitioned');
    expect(plan.chains).toBeGreaterThanOrEqual(4);
    expect(plan.partitions.length).toBeGreaterThanOrEqual(4);
    expect(plan.partitions.reduce((n, p) => n + p.total!, 0)).toBe(1_234);
    // `runs show` says how pass 1 listed, in text and JSON.
    expect(runsShow(String(run.id)).stdout).toContain(
      `  listing: ${plan.chains} chains over ${plan.partitions.length} partitions (first answer in ${plan.answerMs} ms)`,
    );
    expect(JSON.parse(runsShow(String(run.id), '--json').stdout)).toMatchObject({
      listingPlan: {
        kind: 'partitioned',
        chains: plan.chains,
        partitions: plan.partitions.length,
        answerMs: plan.answerMs,
        reason: null,
      },
    });

    const pages = await listPages(stack.database.db, run.id);
    expect(run.pages).toBe(pages.length);
    expect(pages.every((p) => p.partition !== null && p.status === 'done')).toBe(true);
    expectContiguousChains(pages);
    // A page owns a range of its partition: what its job wrote is what pass 1 listed on it.
    for (const p of pages) expect(p.fetched).toBe(p.listed);
    expect(pages.reduce((n, p) => n + p.inserted, 0)).toBe(1_234);
    expect(await stack.compare(main)).toEqual({ checked: 1_234, tombstoned: 0, mismatches: [] });
  });

  it('applies creates, updates and deletes exactly on the next partitioned run', async () => {
    const changed = stack.sandbox.admin.mutate(main, { create: 10, update: 20, delete: 5, seed: 3 });
    const run = await stack.sync(main);
    expect(run).toMatchObject({
      status: 'completed',
      listed: 1_239,
      inserted: 10,
      deleted: 5,
      sweepStatus: 'done',
    });
    // Updates that moved a record to another stage are listed in its new partition only.
    expect(run.updated).toBe(changed.updated.length);
    expect(await stack.compare(main)).toEqual({ checked: 1_239, tombstoned: 5, mismatches: [] });
  });

  it('falls back to one chain, and says why, when some opportunities lie outside every partition', async () => {
    // 20 opportunities in a pipeline GHL's pipelines endpoint does not list: no partition holds them.
    for (let i = 0; i < 20; i++)
      stack.sandbox.admin.createOpportunity(orphaned, { pipelineId: 'ghostPipeline0000001' });
    const run = await stack.sync(orphaned);
    expect(run).toMatchObject({ status: 'completed', listed: 320, inserted: 320, sweepStatus: 'done' });
    const plan = await getListingPlan(stack.database.db, run.id);
    expect(plan).toMatchObject({ kind: 'single' });
    expect(plan?.kind === 'single' && plan.reason).toMatch(
      /^partitions incomplete, fell back to one chain: \d+ partitions add up to 300 but the unfiltered listing has 320/,
    );
    expect(JSON.parse(runsShow(String(run.id), '--json').stdout)).toMatchObject({
      listingPlan: { kind: 'single', chains: 1, partitions: 0, reason: plan?.kind === 'single' ? plan.reason : null },
    });
    const pages = await listPages(stack.database.db, run.id);
    expect(pages.map((p) => [p.partition, p.chainPageNo])).toEqual([
      [null, 1],
      [null, 2],
      [null, 3],
      [null, 4],
    ]);
    expect(await stack.compare(orphaned)).toEqual({ checked: 320, tombstoned: 0, mismatches: [] });
  });

  it('never tolerates a gap of one: the unfiltered total is asked again, then one chain lists the opportunity outside every partition', async () => {
    // One opportunity in a pipeline GHL's pipelines endpoint does not list: the partitions add up
    // to 300 of 301, inside the sweep guard's tolerance (2% or 3 records). Taken as complete, no
    // chain would ever list it.
    const outside = stack.sandbox.admin.createOpportunity(gap, { pipelineId: 'ghostPipeline0000003' })['id'] as string;
    stack.sandbox.admin.resetStats(gap);
    const run = await stack.sync(gap);
    const plan = await getListingPlan(stack.database.db, run.id);
    expect(plan).toMatchObject({ kind: 'single' });
    expect(plan?.kind === 'single' && plan.reason).toMatch(
      /^partitions incomplete, fell back to one chain: \d+ partitions add up to 300 but the unfiltered listing has 301: 1 opportunity outside every partition$/,
    );
    expect(run).toMatchObject({
      status: 'completed',
      listed: 301,
      reportedTotal: 301,
      inserted: 301,
      sweepStatus: 'done',
    });
    // Every request counted: the unfiltered first page, the partitions' first pages and any second
    // page asked ahead (discarded), the total asked again, and the single chain's pages.
    expect(run.apiCalls).toBe(stack.sandbox.admin.getStats(gap).requests);
    const { rows } = await stack.database.db.query<{ deleted_at: Date | null }>(
      `SELECT deleted_at FROM ghl.opportunities WHERE id = $1`,
      [outside],
    );
    expect(rows).toEqual([{ deleted_at: null }]);
    expect(await stack.compare(gap)).toEqual({ checked: 301, tombstoned: 0, mismatches: [] });
  });

  it('keeps the partitions when a delete during the check made them fall short: the total asked again agrees', async () => {
    const [p1] = await pipelinesOf(stack, deleting, 6);
    const doomed = stack.sandbox.admin.createOpportunity(deleting, {
      pipelineId: p1!.id,
      pipelineStageId: p1!.stages[0]!.id,
      status: 'open',
    })['id'] as string;
    // Deleted just before the first partition's first page is answered: after the unfiltered first
    // page counted it (301), before any partition could (300).
    stack.sandbox.admin.setKnobs(deleting, { deleteOnPage: { pageIndex: 0, id: doomed, filtered: true } });
    stack.sandbox.admin.resetStats(deleting);
    const run = await stack.sync(deleting);
    expect(stack.sandbox.admin.getKnobs(deleting).deleteOnPage).toBeNull();
    const plan = (await getListingPlan(stack.database.db, run.id)) as Partitioned;
    expect(plan).toMatchObject({ kind: 'partitioned', unfilteredTotal: 300 });
    expect(plan.partitions.reduce((n, p) => n + p.total!, 0)).toBe(300);
    expect(run).toMatchObject({ status: 'completed', listed: 300, reportedTotal: 300, inserted: 300 });
    // The total asked again is counted like every request.
    expect(run.apiCalls).toBe(stack.sandbox.admin.getStats(deleting).requests);
    expect(await stack.compare(deleting)).toEqual({ checked: 300, tombstoned: 0, mismatches: [] });
  });

  it('keeps an opportunity that moved into an already listed partition during pass 1: the sweep finds it alive', async () => {
    const [p1, p2] = await pipelinesOf(stack, moving, 3);
    const at = (minute: number) => new Date(Date.UTC(2026, 0, 1) + minute * 60_000).toISOString();
    const create = (pipeline: typeof p1, minute: number) =>
      stack.sandbox.admin.createOpportunity(moving, {
        pipelineId: pipeline!.id,
        pipelineStageId: pipeline!.stages[0]!.id,
        status: 'open',
        createdAt: at(minute),
      })['id'] as string;
    // 250 open opportunities in one stage of p1: whichever cut holds them has three pages. 50 in
    // one stage of p2: any cut of p2 is listed whole by its first page.
    const inP1 = Array.from({ length: 250 }, (_, i) => create(p1, 2 * i));
    for (let i = 0; i < 50; i++) create(p2, 10 * i + 1);
    const moved = inP1[0]!; // the oldest: on the last page of its partition
    expect(await stack.sync(moving)).toMatchObject({ status: 'completed', inserted: 300, sweepStatus: 'done' });

    // Every first page (p2's whole listing among them) is in hand before any chain goes past its
    // second page (asked while the check waits); just before p1's third page is answered, its
    // oldest record moves to p2: out of a partition not yet listed that far, into one already listed.
    stack.sandbox.admin.setKnobs(moving, {
      updateOnPage: { pageIndex: 2, id: moved, patch: { pipelineId: p2!.id, pipelineStageId: p2!.stages[0]!.id } },
    });
    const run = await stack.sync(moving);
    expect(stack.sandbox.admin.getKnobs(moving).updateOnPage).toBeNull();
    const plan = (await getListingPlan(stack.database.db, run.id)) as Partitioned;
    expect(plan.kind).toBe('partitioned');
    const pages = await listPages(stack.database.db, run.id);
    const inP2 = pages.filter((p) => p.partition?.pipelineId === p2!.id);
    expect(inP2.map((p) => [p.chainPageNo, p.isLast, p.listed])).toEqual([[1, true, 50]]);
    expect(pages.filter((p) => p.partition?.pipelineId === p1!.id).reduce((n, p) => n + p.listed, 0)).toBe(249);

    // Pass 1 missed it; the sweep asked GHL, which still has it: written in its new pipeline, not deleted.
    expect(run).toMatchObject({
      status: 'completed',
      listed: 299,
      deleted: 0,
      sweepStatus: 'done',
      sweepCandidates: 1,
      sweepVerifiedGone: 0,
      sweepVerifiedAlive: 1,
    });
    const { rows } = await stack.database.db.query<{ pipeline_id: string; deleted_at: Date | null }>(
      `SELECT pipeline_id, deleted_at FROM ghl.opportunities WHERE id = $1`,
      [moved],
    );
    expect(rows).toEqual([{ pipeline_id: p2!.id, deleted_at: null }]);
    expect(await stack.compare(moving)).toEqual({ checked: 300, tombstoned: 0, mismatches: [] });
  });

  it('discards the second pages asked during the check when the partitions do not add up: nothing recorded, every request counted', async () => {
    const [p1, p2] = await pipelinesOf(stack, prefetching, 4);
    const create = (pipelineId: string, stageId: string | undefined, minute: number) =>
      stack.sandbox.admin.createOpportunity(prefetching, {
        pipelineId,
        ...(stageId !== undefined && { pipelineStageId: stageId }),
        status: 'open',
        createdAt: new Date(Date.UTC(2026, 0, 1) + minute * 60_000).toISOString(),
      });
    // 250 in one stage of p1 (a partition with a full first page, so its second page is asked
    // while the check waits), 50 in p2, and 20 in a pipeline no partition covers.
    for (let i = 0; i < 250; i++) create(p1!.id, p1!.stages[0]!.id, 2 * i);
    for (let i = 0; i < 50; i++) create(p2!.id, p2!.stages[0]!.id, 10 * i + 1);
    for (let i = 0; i < 20; i++) create('ghostPipeline0000002', undefined, 10 * i + 3);
    // The first request for a second page fails, once. Asked ahead, it is p1's: the single chain
    // only starts after the check. GHL_MAX_ATTEMPTS=1 and a last attempt: had pass 1 met that
    // failure, it would end incomplete and the run would not sweep.
    stack.sandbox.admin.setKnobs(prefetching, { failPages: [{ pageIndex: 1, status: 500, times: 1 }] });
    stack.sandbox.admin.resetStats(prefetching);
    await stack.queues.coordinator.pause();
    try {
      const opened = await stack.startRun(prefetching);
      await runCoordinator(
        runtime.deps,
        { runId: opened.id, locationId: prefetching, trigger: 'test', mode: 'full', allowMassDelete: false },
        { attemptsMade: 0, attempts: 1, updateProgress: async () => undefined },
      );
      const run = await stack.wait(opened.id);
      expect(stack.sandbox.admin.getKnobs(prefetching).failPages).toEqual([{ pageIndex: 1, status: 500, times: 0 }]);
      const plan = await getListingPlan(stack.database.db, run.id);
      expect(plan?.kind === 'single' && plan.reason).toMatch(/^partitions incomplete, fell back to one chain/);
      // Only the single chain's pages: the partitions' pages left nothing behind.
      const pages = await listPages(stack.database.db, run.id);
      expect(pages.map((p) => [p.partition, p.chainPageNo, p.listed])).toEqual([
        [null, 1, 100],
        [null, 2, 100],
        [null, 3, 100],
        [null, 4, 20],
      ]);
      expect(run).toMatchObject({ status: 'completed', listed: 320, inserted: 320, sweepStatus: 'done' });
      // The discarded second page (its failed attempt included) is counted like every request.
      expect(run.apiCalls).toBe(stack.sandbox.admin.getStats(prefetching).requests);
      expect(await stack.compare(prefetching)).toEqual({ checked: 320, tombstoned: 0, mismatches: [] });
    } finally {
      await stack.queues.coordinator.resume();
    }
  });

  it('a coordinator that dies mid-pass-1 resumes every chain after its last recorded page', async () => {
    await stack.queues.coordinator.pause();
    const run = await stack.startRun(resumed);
    // Every partition's second page fails once: each chain records its first page, then the
    // attempt dies (GHL_MAX_ATTEMPTS=1, so the client does not retry; the job would).
    stack.sandbox.admin.setKnobs(resumed, { failPages: [{ pageIndex: 1, status: 500 }] });
    const ctx = { attemptsMade: 0, attempts: 3, updateProgress: async () => undefined };
    await expect(
      runCoordinator(
        runtime.deps,
        { runId: run.id, locationId: resumed, trigger: 'test', mode: 'full', allowMassDelete: false },
        ctx,
      ),
    ).rejects.toMatchObject({ code: 'ghl_server_error' });
    const before = await listPages(stack.database.db, run.id);
    const plan = (await getListingPlan(stack.database.db, run.id)) as Partitioned;
    expect(plan.kind).toBe('partitioned');
    const unfinished = chainsOf(before).filter((c) => !c[c.length - 1]!.isLast);
    expect(unfinished.length).toBeGreaterThan(1);
    const callsBefore = (await getRun(stack.database.db, run.id))!.listingApiCalls;

    // The next attempt of the coordinator job.
    stack.sandbox.admin.resetKnobs(resumed);
    await stack.queues.coordinator.resume();
    const done = await stack.wait(run.id);
    const after = await listPages(stack.database.db, run.id);
    // Nothing listed before was listed again: the old pages are untouched, every chain went on
    // from its last recorded page, and the second attempt asked GHL only for new pages.
    expect(after.slice(0, before.length)).toEqual(before.map((p) => ({ ...p, ...pick(after, p.pageNo) })));
    expectContiguousChains(after);
    expect(done.listingApiCalls - callsBefore).toBe(after.length - before.length);
    expect(done).toMatchObject({ status: 'completed', listed: 900, inserted: 900, failedPages: 0 });
    expect(await stack.compare(resumed)).toEqual({ checked: 900, tombstoned: 0, mismatches: [] });
  });
});

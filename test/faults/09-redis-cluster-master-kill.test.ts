import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRun } from '@ghl-sync/db';
import type { ThrowawayRedis } from './support/throwaway-services.js';
import { startFaultStack, type FaultStack } from './support/fault-stack.js';
import { describeRunJobs } from './support/describe-run-jobs.js';
import { finishOrHeal, waitUntilMidRun } from './support/restart-scenario.js';
import { recordResult, scaled } from './support/results.js';

// Scenario 9: a Redis Cluster of 3 masters and no replicas (docs/redis-cluster.md). In the middle
// of a run the master that serves the queues' hash slot ({prefix}) is killed with SIGKILL: no
// shutdown, no save on the way out. Without replicas its slots have no other owner, so the whole
// cluster answers CLUSTERDOWN once the two others mark it failed (cluster-node-timeout, 2 s here);
// then it is started again on the same port with the same nodes.conf, which is how such a cluster
// heals. Twice: once with an append-only file fsynced at every write (it returns with every key),
// once without persistence (it returns empty: every job of the run is gone, as in scenario 3).
// Workers must ride through the outage by themselves and the mirror must end exact; the result
// says which outcome happened: the faulted run completed, or it ended loudly and a second run
// healed it. The empty variant found that a cluster client never emits `ready` again while its
// other masters answer, so the workers did not put their schedulers back and the run stayed
// active forever; each worker now checks every RUN_RECOVERY_INTERVAL_MS that the recover-runs
// scheduler is still there. The append-only variant once (1 run in 3, load average 20-25) left the
// run writing with every page written and its finalize job (the flow parent) never run; recovery
// now closes such a run from its page rows, and the notes say when it did.
const RECORDS = scaled(3_000, 20_000);
const DOWN_AFTER_FAIL_MS = 3_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const VARIANTS = [
  { variant: 'returns with its append-only file', persistent: true },
  { variant: 'returns empty', persistent: false },
];

describe.each(VARIANTS)(
  'fault 9: the Redis Cluster master of the queues is killed mid-run and $variant',
  ({ persistent }) => {
    let stack: FaultStack;
    let loc: string;
    let runId = 0;
    let victim: ThrowawayRedis;
    // Set when this variant starts: describe bodies run at collection, before either variant.
    let started = 0;
    const timeline = { failDetectedMs: 0, downMs: 0 };
    const result = { runs: 1, rowsChecked: 0, lost: 0, duplicated: 0, notes: '' };
    beforeAll(async () => {
      started = Date.now();
      stack = await startFaultStack({
        redisCluster: { masters: 3, persistent, nodeTimeoutMs: 2_000 },
        sandbox: { seed: 909, locations: [{ opportunities: RECORDS }] },
        env: { WORKER_CONCURRENCY: '2', RUN_RECOVERY_INTERVAL_MS: '2000' },
      });
      const cluster = stack.redisCluster!;
      loc = stack.sandbox.locations[0]!.id;
      stack.sandbox.admin.setKnobs(loc, { latencyMs: { medianMs: 100, jitterMs: 50 } });
      stack.spawnWorkers(2);
      // Both workers must be up before the fault: a worker that meets a dead Redis while it starts
      // exits (by design), which is another scenario.
      for (let i = 0; i < 600 && stack.logs.join('').split('"msg":"worker started"').length - 1 < 2; i++)
        await sleep(100);
      const run = await stack.startRun(loc);
      runId = run.id;
      await waitUntilMidRun(stack, run.id, 5);
      victim = await cluster.nodeOf(stack.queues.prefix);
      const killedAt = Date.now();
      await victim.kill();
      // The outage proper starts when the survivors agree the master failed (CLUSTERDOWN for all).
      const survivor = cluster.nodes.find((n) => n !== victim)!;
      await cluster.waitState(survivor, 'fail', 30_000);
      timeline.failDetectedMs = Date.now() - killedAt;
      await sleep(DOWN_AFTER_FAIL_MS);
      await victim.start();
      await cluster.waitHealthy(60_000);
      timeline.downMs = Date.now() - killedAt;
    });
    afterAll(async () => {
      recordResult({
        scenario: `9 Redis Cluster master killed, ${persistent ? 'AOF' : 'empty'}`,
        ...result,
        durationMs: Date.now() - started,
      });
      stack?.dumpLogs(`09-redis-cluster-master-kill-${persistent ? 'aof' : 'empty'}`);
      await stack?.stop();
    });

    it('the workers put the recover-runs scheduler back (it survived, or they restored it)', async () => {
      let ids: string[] = [];
      for (let i = 0; i < 60 && !ids.includes('recover-runs'); i++) {
        ids = (await stack.queues.maintenance.getJobSchedulers().catch(() => [])).map((s) => s.key);
        if (!ids.includes('recover-runs')) await sleep(500);
      }
      expect(ids).toContain('recover-runs');
    });

    it('the run completes, or fails loudly and the next run heals it; nothing lost or written twice', async () => {
      const healedAt = Date.now();
      const outcome = await finishOrHeal(stack, loc, runId, RECORDS, scaled(200_000, 900_000)).catch(async (err) => {
        // Say which job held the run back before failing (also in the dumped log).
        const run = (await getRun(stack.db, runId))!;
        const jobs = await describeRunJobs(stack.queues, run, run.pages);
        stack.logs.push(`\n[fault 9] run ${runId} ${run.status}, recoveries ${run.recoveries}; jobs:\n${jobs}\n`);
        console.log(`[fault 9] run ${runId} ${run.status}; jobs:\n${jobs}`);
        throw err;
      });
      const endedAfterHealMs = Date.now() - healedAt;
      const faulted = (await getRun(stack.db, runId))!;
      const warnings = stack.logs
        .join('')
        .split('\n')
        .filter((l) => l.includes('"worker connection error"'));
      // Recovery closed the run because its flow parent never ran (docs/redis-cluster.md).
      const closedByRecovery = stack.logs.join('').includes('flow parent of the run did not run');
      Object.assign(result, {
        runs: outcome.runs,
        rowsChecked: outcome.check.checked,
        lost: outcome.check.lost.length,
        duplicated: outcome.check.duplicated,
        notes:
          `faulted run ${outcome.faulted.status}${outcome.faulted.errorCode ? ` (${outcome.faulted.errorCode})` : ''}` +
          `, recoveries ${faulted.recoveries}${closedByRecovery ? ', closed by recovery (its flow parent never ran)' : ''}; master failed after ${timeline.failDetectedMs} ms, down ${timeline.downMs} ms;` +
          ` run ended ${endedAfterHealMs} ms after the heal; ${warnings.length} worker connection warnings`,
      });
      // Loud: the workers said what happened to Redis.
      expect(warnings.length).toBeGreaterThan(0);
      // The workers rode through it: the processes are still the ones started first.
      expect(stack.children.every((c) => c.exitCode === null && c.signalCode === null)).toBe(true);
    });
  },
);

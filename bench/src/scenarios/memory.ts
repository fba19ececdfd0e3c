import { Cluster } from 'ioredis';
import { startBenchStack } from '../support/bench-stack.js';
import { cpuProfArgs } from '../support/cpu-prof.js';
import { int, mib, ratio, seconds } from '../support/format.js';
import { measureSync, type SyncMeasurement } from '../support/measure-sync.js';
import { prefixMemory, redisUsedMemory } from '../support/redis-memory.js';
import { publishReport } from '../support/report.js';
import type { Scenario, ScenarioFlags } from './scenario.js';

const SIZES = [50_000, 500_000];
const MAX_RSS_BYTES = 200 * 1024 ** 2;

interface SizeResult {
  size: number;
  m: SyncMeasurement;
  redis: {
    usedBefore: number;
    usedPeak: number;
    usedAfter: number;
    ownBefore: { keys: number; bytes: number };
    ownAfter: { keys: number; bytes: number };
  };
}

/** The same sync at 50k and 500k opportunities: does memory stay flat as the account grows? */
export const memoryScenario: Scenario = {
  name: 'memory',
  summary: 'peak RSS of each worker process and Redis memory, 50,000 vs 500,000 opportunities, limits off',
  duration: '~5–10 min',
  async run(flags: ScenarioFlags) {
    const sizes = flags.quick ? [5_000, 50_000] : SIZES;
    const results: SizeResult[] = [];
    for (const size of sizes) {
      console.log(`\n== memory: ${int(size)} opportunities ==`);
      const stack = await startBenchStack({
        sandbox: { locations: [{ opportunities: size }], rateLimitMax: 0 },
        env: { RATE_LIMIT_MAX: '1000000' },
      });
      try {
        const r = stack.redis.redis;
        // INFO and MEMORY USAGE of one node: the benchmarks run on a single Redis (TEST_REDIS_URL).
        if (r instanceof Cluster) throw new Error('the memory scenario measures a single Redis node, not a cluster');
        const redis = {
          usedBefore: 0,
          usedPeak: 0,
          usedAfter: 0,
          ownBefore: { keys: 0, bytes: 0 },
          ownAfter: { keys: 0, bytes: 0 },
        };
        // used_memory is sampled through the run: Redis is shared, so this is indicative only.
        const sampler = setInterval(() => {
          redisUsedMemory(r).then(
            (b) => {
              redis.usedPeak = Math.max(redis.usedPeak, b);
            },
            () => undefined,
          );
        }, 1_000);
        try {
          const m = await measureSync({
            stack,
            workers: 2,
            locationIds: [stack.sandbox.locations[0]!.id],
            timeoutMs: 30 * 60_000,
            nodeArgs: cpuProfArgs(flags.cpuProf, `memory-${size}`),
            beforeRuns: async () => {
              redis.usedBefore = await redisUsedMemory(r);
              redis.ownBefore = await prefixMemory(r, stack.redis.prefix);
            },
            afterRuns: async () => {
              redis.usedAfter = await redisUsedMemory(r);
              redis.ownAfter = await prefixMemory(r, stack.redis.prefix);
            },
          });
          results.push({ size, m, redis });
        } finally {
          clearInterval(sampler);
        }
      } finally {
        await stack.stop();
      }
    }

    const rssRows = results.flatMap(({ size, m }) =>
      m.workers.map((w) => [
        int(size),
        `${w.name}${w.ranCoordinator ? ' (coordinator)' : ''}`,
        mib(w.peakRssBytes),
        (w.peakRssBytes ?? Infinity) < MAX_RSS_BYTES ? 'yes' : '**no**',
        seconds(m.wallMs),
        m.runs[0]!.status,
      ]),
    );
    const redisRows = results.map(({ size, redis }) => [
      int(size),
      mib(redis.usedBefore),
      mib(redis.usedPeak),
      mib(redis.usedAfter),
      `${int(redis.ownBefore.keys)} keys, ${mib(redis.ownBefore.bytes)}`,
      `${int(redis.ownAfter.keys)} keys, ${mib(redis.ownAfter.bytes)}`,
    ]);
    const peakOf = (r: SizeResult | undefined, coordinator: boolean) =>
      Math.max(
        0,
        ...(r?.m.workers.filter((w) => w.ranCoordinator === coordinator).map((w) => w.peakRssBytes ?? 0) ?? []),
      );
    const [small, large] = results;
    const coordGrowth = peakOf(large, true) / peakOf(small, true);
    const pageGrowth = peakOf(large, false) / peakOf(small, false);
    const allUnder = results.every((r) => r.m.workers.every((w) => (w.peakRssBytes ?? Infinity) < MAX_RSS_BYTES));
    publishReport({
      scenario: 'memory',
      title: `peak RSS and Redis memory, ${sizes.map(int).join(' vs ')} opportunities`,
      method: `One location, limits off, 2 \`ghl-sync worker\` processes (default concurrency), a fresh database and Redis prefix per size; the sandbox runs in the bench process and is not measured. Peak RSS = the kernel's \`VmHWM\` of each worker process, read every 250 ms and right after the run finished. Redis: \`used_memory\` of the (shared) server before the run, its highest 1 s sample and after the run, plus the exact \`MEMORY USAGE\` of this deployment's own keys (its prefix) before and after.`,
      tables: [
        { header: ['opportunities', 'process', 'peak RSS', '< 200 MB', 'wall', 'run'], rows: rssRows },
        {
          header: ['opportunities', 'used_memory before', 'peak', 'after', 'own keys before', 'own keys after'],
          rows: redisRows,
        },
      ],
      notes: [
        `Growth 50k → 500k: coordinator process ${ratio(coordGrowth)}, the other worker ${ratio(pageGrowth)} (goal ≤ 1.15×: ${Math.max(coordGrowth, pageGrowth) <= 1.15 ? '**met**' : '**missed**'}). Every process under 200 MB: ${allUnder ? '**met**' : '**missed**'}.`,
      ].join('\n'),
    });
  },
};

import { defineConfig } from 'vitest/config';

// The Redis Cluster test set (`npm run test:cluster`, docs/redis-cluster.md): the tests of
// everything that keeps state in Redis (full sync, the shared rate limiter, the OAuth lock, job
// schedulers, run recovery) run again against a throwaway 3-master Redis Cluster started by the
// global setup, so a key layout that would hash one script's keys to two slots fails here.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    include: [
      'test/integration/full-sync.test.ts',
      'packages/rate-limiter/src/create-rate-limiter.test.ts',
      'test/integration/rate-limit-429.test.ts',
      'test/integration/rate-limit-budget.test.ts',
      'test/integration/rate-limit-fairness.test.ts',
      'test/integration/oauth-refresh.test.ts',
      'test/integration/oauth-recovery.test.ts',
      'test/integration/schedules.test.ts',
      'test/integration/run-lifecycle.test.ts',
      'test/cluster/**/*.test.ts',
    ],
    globalSetup: ['test/cluster/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});

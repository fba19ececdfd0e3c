import { defineConfig } from 'vitest/config';

// Workspace packages export a "source" condition pointing at src/*.ts so tests run against the
// code under edit, not a stale dist/. Child processes spawned by integration tests run dist/,
// which is why `npm test` builds first.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'apps/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'apps/*/test/**/*.test.ts',
      'test/integration/**/*.test.ts',
      'bench/src/**/*.test.ts',
      'test/deploy/**/*.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Integration tests share one machine's Redis and Postgres; each file isolates itself by
    // prefix and database, but running too many at once on 2 cores makes timing tests flaky.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});

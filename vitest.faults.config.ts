import { defineConfig } from 'vitest/config';

// The fault-injection suite (docs/reliability.md): `npm run test:faults`. Every file starts its own throwaway
// redis-server and Postgres cluster on free ports and spawns built workers, so files run one at a
// time (2-core CI) and timeouts are generous. `FAULTS_SCALE=full` runs 20,000 records per location.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    include: ['test/faults/**/*.test.ts'],
    testTimeout: 20 * 60_000,
    hookTimeout: 3 * 60_000,
    teardownTimeout: 60_000,
    pool: 'forks',
    poolOptions: { forks: { singleFork: true } },
    fileParallelism: false,
    sequence: { concurrent: false },
    reporters: ['default'],
  },
});

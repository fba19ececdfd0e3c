/**
 * Child-process entry of the seed baseline, so its peak RSS is its own:
 * `node bench/dist/seed-baseline/main.js '<SeedBaselineOptions JSON>'`. Prints one JSON line
 * with the {@link SeedBaselineResult}.
 */
import { runSeedBaseline } from './run-seed-baseline.js';
import type { SeedBaselineOptions } from './seed-baseline-options.js';

const options = JSON.parse(process.argv[2] ?? '{}') as SeedBaselineOptions;
const result = await runSeedBaseline(options);
process.stdout.write(`${JSON.stringify(result)}\n`);

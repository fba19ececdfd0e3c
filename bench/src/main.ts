/**
 * `npm run bench -- <scenario> [--cpu-prof] [--quick]`: runs a benchmark scenario, prints its
 * table and replaces its section of BENCHMARKS.md. `all` runs every scenario; `--help` lists them.
 */
import { SCENARIOS } from './scenarios/index.js';
import { reportSettings } from './support/report.js';

/** A bench must stop by itself: nothing here may run longer than this. */
const HARD_LIMIT_MS = 3 * 60 * 60_000;

function help(): string {
  return [
    'usage: npm run bench -- <scenario|all> [--cpu-prof] [--quick] [--name=value …]',
    '',
    'scenarios:',
    ...SCENARIOS.map((s) => `  ${s.name.padEnd(14)} ${s.summary} (${s.duration})`),
    '  all            every scenario above, in order',
    '',
    'flags:',
    '  --cpu-prof     write V8 CPU profiles of the worker processes to bench/profiles/',
    '  --quick        smaller data, to check that a scenario works (prints only; BENCHMARKS.md is left alone)',
    '  --name=value   a size the scenario lets you choose (see its line above)',
    '',
    'Needs Postgres (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres) and Redis',
    '(TEST_REDIS_URL, default redis://127.0.0.1:6379). Each scenario creates and drops its own database and',
    'deletes only its own Redis keys.',
  ].join('\n');
}

const args = process.argv.slice(2);
const names = args.filter((a) => !a.startsWith('--'));
if (args.includes('--help') || args.includes('-h') || names.length === 0) {
  console.log(help());
  process.exit(names.length === 0 && !args.includes('--help') && !args.includes('-h') ? 1 : 0);
}
const params = Object.fromEntries(
  args.flatMap((a) => {
    const m = /^--([a-z][a-z0-9-]*)=(.*)$/.exec(a);
    return m ? [[m[1]!, m[2]!]] : [];
  }),
);
const flags = { cpuProf: args.includes('--cpu-prof'), quick: args.includes('--quick'), params };
reportSettings.append = !flags.quick;
const selected = names.includes('all') ? SCENARIOS : names.map((n) => SCENARIOS.find((s) => s.name === n) ?? n);
const unknown = selected.filter((s): s is string => typeof s === 'string');
if (unknown.length > 0) {
  console.error(`unknown scenario: ${unknown.join(', ')}\n\n${help()}`);
  process.exit(1);
}

const watchdog = setTimeout(() => {
  console.error(`bench still running after ${HARD_LIMIT_MS / 60_000} min: giving up`);
  process.exit(2);
}, HARD_LIMIT_MS);
watchdog.unref();

let failed = false;
for (const scenario of selected as typeof SCENARIOS) {
  console.log(`\n### ${scenario.name}: ${scenario.summary}`);
  try {
    await scenario.run(flags);
  } catch (err) {
    failed = true;
    console.error(`scenario ${scenario.name} failed: ${(err as Error).stack ?? String(err)}`);
  }
}
// Open handles (pools, sockets) must not keep a finished bench alive.
process.exit(failed ? 1 : 0);

// Figures the manifests are sized from, read out of BENCHMARKS.md's generated sections (the tables
// `npm run bench -- <scenario>` writes between its `<!-- bench:<scenario> -->` markers), so a rerun
// that changes them shows up in test/deploy instead of drifting away from deploy/kubernetes.

/** The generated section of one scenario, markers excluded. Throws when the scenario has none. */
export function benchmarkSection(benchmarks: string, scenario: string): string {
  const start = benchmarks.indexOf(`<!-- bench:${scenario} -->`);
  const end = benchmarks.indexOf(`<!-- /bench:${scenario} -->`);
  if (start === -1 || end < start) throw new Error(`BENCHMARKS.md has no section for ${scenario}`);
  return benchmarks.slice(start, end);
}

/** The cells of the first table row whose first cell is `label`. */
function row(section: string, label: string): string[] {
  const line = section.split('\n').find((l) => l.startsWith(`| ${label} |`));
  if (!line) throw new Error(`no table row "${label}"`);
  return line
    .split('|')
    .slice(1, -1)
    .map((cell) => cell.trim());
}

/**
 * Cores one worker process used at the rate the fleet model assumes, from the sizing section's
 * steady re-sync (round 2): the machine's busy share × its cores, less the sandbox's cores. Postgres
 * and Redis ran on the same machine and are inside the figure, so it is an upper bound for the
 * worker alone.
 */
export function workerCoresAtSizingRate(section: string): number {
  const cores = Number(/· [^·]*?, (\d+) cores,/.exec(section)?.[1]);
  const busyPct = Number.parseFloat(row(section, 'machine CPU busy during the round')[2]!);
  const sandboxCores = Number(row(section, 'cores the sandbox (bench process) used')[2]);
  const result = (busyPct / 100) * cores - sandboxCores;
  if (!(result > 0)) throw new Error(`could not read the worker's cores from the sizing section (${result})`);
  return result;
}

/** The highest peak RSS, in MB, of any worker in the memory section's table. */
export function memoryPeakMb(section: string): number {
  const peaks = [...section.matchAll(/\| worker-[^|]*\| (\d+(?:\.\d+)?) MB \|/g)].map((m) => Number(m[1]));
  if (peaks.length === 0) throw new Error('no peak RSS in the memory section');
  return Math.max(...peaks);
}

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { replaceScenarioSection } from './benchmarks-file.js';
import { machineInfo } from './machine-info.js';

/** BENCHMARKS.md at the repository root (bench/dist/support → ../../..). */
export const BENCHMARKS_FILE = fileURLToPath(new URL('../../../BENCHMARKS.md', import.meta.url));

/** A table: a header row and data rows, all strings. */
export interface Table {
  header: string[];
  rows: string[][];
}

/** One scenario's result, printed to stdout and written to its section of BENCHMARKS.md. */
export interface ScenarioReport {
  scenario: string;
  title: string;
  /** How it was measured (markdown paragraphs). */
  method: string;
  tables: Table[];
  /** Verdict against the scenario's goals and what limits the figures (markdown). */
  notes: string;
}

/** Renders a table as aligned plain text for the terminal. */
export function formatTextTable(table: Table): string {
  const widths = table.header.map((h, i) => Math.max(h.length, ...table.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(table.header), widths.map((w) => '-'.repeat(w)).join('  '), ...table.rows.map(line)].join('\n');
}

/** Renders a table as GitHub markdown. */
export function formatMarkdownTable(table: Table): string {
  const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [row(table.header), row(table.header.map(() => '---')), ...table.rows.map(row)].join('\n');
}

/** Whether reports are written to BENCHMARKS.md (`--quick` runs only print). */
export const reportSettings = { append: true };

/**
 * Prints the report and writes it to BENCHMARKS.md as the scenario's one current section,
 * replacing the previous run's section (or appending one for a new scenario). The file is created
 * with a preamble if missing.
 */
export function publishReport(report: ScenarioReport): void {
  for (const table of report.tables) console.log(`\n${formatTextTable(table)}`);
  if (report.notes) console.log(`\n${report.notes}`);
  if (!reportSettings.append) return;
  const m = machineInfo();
  const section = [
    `## ${report.scenario}: ${report.title}`,
    '',
    `Run ${m.date} · ${m.cpuModel}, ${m.cores} cores, ${m.memoryGb} GB · Node ${m.node} · commit ${m.commit} · \`npm run bench -- ${report.scenario}\``,
    '',
    report.method.trim(),
    '',
    ...report.tables.flatMap((t) => [formatMarkdownTable(t), '']),
    report.notes.trim(),
  ].join('\n');
  const current = existsSync(BENCHMARKS_FILE)
    ? readFileSync(BENCHMARKS_FILE, 'utf8')
    : "# ghl-sync benchmarks\n\n`npm run bench -- <scenario>` replaces its scenario's section below with the new run.\n";
  writeFileSync(BENCHMARKS_FILE, replaceScenarioSection(current, report.scenario, section));
  console.log(`\nwrote the ${report.scenario} section of ${BENCHMARKS_FILE}`);
}

import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { machineInfo } from './machine-info.js';

/** BENCHMARKS.md at the repository root (bench/dist/support → ../../..). */
export const BENCHMARKS_FILE = fileURLToPath(new URL('../../../BENCHMARKS.md', import.meta.url));

/** A table: a header row and data rows, all strings. */
export interface Table {
  header: string[];
  rows: string[][];
}

/** One scenario's result, printed to stdout and appended to BENCHMARKS.md. */
export interface ScenarioReport {
  scenario: string;
  title: string;
  /** How it was measured (markdown paragraphs). */
  method: string;
  tables: Table[];
  /** Verdict against the goals and what limits the figures (markdown). */
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

/** Whether reports are appended to BENCHMARKS.md (`--quick` runs only print). */
export const reportSettings = { append: true };

/** Prints the report and appends it as a section of BENCHMARKS.md (created with a preamble if missing). */
export function publishReport(report: ScenarioReport): void {
  for (const table of report.tables) console.log(`\n${formatTextTable(table)}`);
  if (report.notes) console.log(`\n${report.notes}`);
  if (!reportSettings.append) return;
  const m = machineInfo();
  const section = [
    `\n## ${report.scenario}: ${report.title}`,
    '',
    `Run ${m.date} · ${m.cpuModel}, ${m.cores} cores, ${m.memoryGb} GB · Node ${m.node} · commit ${m.commit} · \`npm run bench -- ${report.scenario}\``,
    '',
    report.method.trim(),
    '',
    ...report.tables.flatMap((t) => [formatMarkdownTable(t), '']),
    report.notes.trim(),
    '',
  ].join('\n');
  if (!existsSync(BENCHMARKS_FILE)) {
    writeFileSync(
      BENCHMARKS_FILE,
      '# ghl-sync benchmarks\n\nEach section is appended by `npm run bench -- <scenario>` (see `bench/src/scenarios/`). Newest runs are at the bottom.\n',
    );
  }
  appendFileSync(BENCHMARKS_FILE, section);
  console.log(`\nappended to ${BENCHMARKS_FILE}`);
}

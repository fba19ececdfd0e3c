import { appendFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One line of the results table in docs/reliability.md. */
export interface ScenarioResult {
  scenario: string;
  runs: number;
  rowsChecked: number;
  lost: number;
  duplicated: number;
  durationMs: number;
  notes?: string;
}

/** The suite's default size, or `FAULTS_SCALE=full` for 20,000 records per location. */
export const FULL = process.env['FAULTS_SCALE'] === 'full';
/** Records of the main location of a scenario: `full` → the given full size, else the small one. */
export const scaled = (small: number, full: number) => (FULL ? full : small);

/** Where results go: one JSON line per scenario (`FAULTS_RESULTS_FILE`, default in the temp dir). */
export const RESULTS_FILE = process.env['FAULTS_RESULTS_FILE'] ?? join(tmpdir(), 'ghl-sync-faults', 'results.jsonl');

/** Appends a scenario's result and prints it, so a CI log shows the table too. */
export function recordResult(result: ScenarioResult): void {
  mkdirSync(join(RESULTS_FILE, '..'), { recursive: true });
  const line = { ...result, scale: FULL ? 'full' : 'default', at: new Date().toISOString() };
  appendFileSync(RESULTS_FILE, `${JSON.stringify(line)}\n`);
  console.log(`[faults] ${JSON.stringify(line)}`);
}

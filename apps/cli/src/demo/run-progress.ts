import type { SyncRun } from '@ghl-sync/db';
import { plural } from '../plural.js';

/** Where progress goes: a terminal (rewritten in place) or a pipe or file (appended). */
export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * The progress of the runs a command waits for. On a terminal each run has one line, rewritten in
 * place as it moves; anywhere else (a pipe, a CI log) a run prints a line only when its state
 * changes (listing, writing its pages, ended), so a log never holds one line per page.
 */
export interface RunProgress {
  /** A run's latest progress: `line` is {@link waitForRun}'s one-line description. */
  update(run: SyncRun, line: string): void;
  /** A run ended: its line reads its final state. */
  finish(run: SyncRun): void;
  /** Prints a line above the progress lines (a warning from a worker, say). */
  log(line: string): void;
  /** Forgets the progress lines: what is printed next goes below them. */
  close(): void;
}

const CLEAR_LINE = '\u001b[2K';
const CLEAR_BELOW = '\u001b[J';
const up = (lines: number) => `\u001b[${lines}A`;

/** Builds the progress display of {@link RunProgress} over `out` (usually `process.stdout`). */
export function createRunProgress(out: ProgressOutput): RunProgress {
  const lines = new Map<number, string>();
  const milestones = new Map<number, string>();
  let drawn = 0;
  const draw = () => {
    let text = drawn > 0 ? `\r${up(drawn)}` : '';
    for (const line of lines.values()) text += `${CLEAR_LINE}${line}\n`;
    out.write(text);
    drawn = lines.size;
  };
  const set = (run: SyncRun, line: string, milestone: string) => {
    if (out.isTTY) {
      lines.set(run.id, `  ${line}`);
      draw();
    } else if (milestones.get(run.id) !== milestone) {
      milestones.set(run.id, milestone);
      out.write(`  ${milestone}\n`);
    }
  };
  return {
    update(run, line) {
      set(run, line.replace(/^run \d+: /, `run ${run.id} · ${run.locationId}: `), milestoneOf(run));
    },
    finish(run) {
      const line = `run ${run.id} · ${run.locationId}: ${run.status}`;
      set(run, line, line);
    },
    log(line) {
      if (out.isTTY && drawn > 0) {
        out.write(`\r${up(drawn)}${CLEAR_BELOW}${line}\n`);
        drawn = 0;
        draw();
      } else out.write(`${line}\n`);
    },
    close() {
      lines.clear();
      milestones.clear();
      drawn = 0;
    },
  };
}

function milestoneOf(run: SyncRun): string {
  const head = `run ${run.id} · ${run.locationId}`;
  if (run.status === 'listing') return `${head}: listing (pass 1)`;
  if (run.status === 'writing') return `${head}: writing ${plural(run.pages, 'page')}`;
  return `${head}: ${run.status}`;
}

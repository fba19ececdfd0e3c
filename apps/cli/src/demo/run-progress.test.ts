import { describe, expect, it } from 'vitest';
import type { SyncRun } from '@ghl-sync/db';
import { createRunProgress } from './run-progress.js';

const run = (id: number, status: SyncRun['status'], pages = 0) =>
  ({ id, locationId: `loc-${id}`, status, pages }) as SyncRun;

/** What a terminal shows after `text`: cursor-up and clear-line sequences applied. */
function screen(text: string): string[] {
  const rows: string[] = [];
  let row = 0;
  for (const token of text.split(/(\u001b\[\d*[AJK]|\n|\r)/)) {
    const up = /^\u001b\[(\d+)A$/.exec(token);
    if (up) row -= Number(up[1]);
    else if (token === '\n') row += 1;
    else if (token === '\u001b[2K') rows[row] = '';
    else if (token === '\u001b[J') rows.length = row;
    else if (token !== '\r' && token !== '') rows[row] = (rows[row] ?? '') + token;
  }
  return rows.slice(0, row);
}

describe('run progress', () => {
  it('on a terminal keeps one line per run, rewritten in place, with logs above', () => {
    let out = '';
    const progress = createRunProgress({ isTTY: true, write: (t: string) => (out += t) });
    progress.update(run(1, 'listing'), 'run 1: listing (1 page, 100 opportunities listed)');
    progress.update(run(2, 'queued'), 'run 2: queued');
    for (let done = 0; done <= 50; done++) progress.update(run(1, 'writing', 50), `run 1: writing pages ${done}/50`);
    progress.log('warning: something');
    progress.finish(run(2, 'completed'));
    expect(screen(out)).toEqual([
      'warning: something',
      '  run 1 · loc-1: writing pages 50/50',
      '  run 2 · loc-2: completed',
    ]);
  });

  it('elsewhere prints a line only when a run changes state', () => {
    let out = '';
    const progress = createRunProgress({ isTTY: false, write: (t: string) => (out += t) });
    progress.update(run(1, 'listing'), 'run 1: listing (1 page, 100 opportunities listed)');
    progress.update(run(1, 'listing'), 'run 1: listing (2 pages, 200 opportunities listed)');
    for (let done = 0; done <= 50; done++) progress.update(run(1, 'writing', 50), `run 1: writing pages ${done}/50`);
    progress.finish(run(1, 'completed'));
    expect(out.split('\n')).toEqual([
      '  run 1 · loc-1: listing (pass 1)',
      '  run 1 · loc-1: writing 50 pages',
      '  run 1 · loc-1: completed',
      '',
    ]);
  });
});

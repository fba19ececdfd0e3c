import { describe, expect, it } from 'vitest';
import { replaceScenarioSection } from './benchmarks-file.js';

const doc = [
  '# ghl-sync benchmarks',
  '',
  '## Summary',
  '',
  '<!-- bench:throughput -->',
  '## throughput: old run',
  'old table',
  '<!-- /bench:throughput -->',
  '',
  '<!-- bench:memory -->',
  '## memory: current',
  '<!-- /bench:memory -->',
  '',
].join('\n');

describe('replaceScenarioSection', () => {
  it("replaces only the scenario's own section and keeps everything around it", () => {
    const next = replaceScenarioSection(doc, 'throughput', '## throughput: new run\nnew table\n');
    expect(next).toBe(doc.replace('## throughput: old run\nold table', '## throughput: new run\nnew table'));
  });

  it('appends a section for a scenario that has none yet, after the existing ones', () => {
    const next = replaceScenarioSection(doc, 'sizing', '## sizing: first run');
    expect(next.startsWith(doc.trimEnd())).toBe(true);
    expect(next.slice(doc.trimEnd().length)).toBe(
      '\n\n<!-- bench:sizing -->\n## sizing: first run\n<!-- /bench:sizing -->\n',
    );
  });

  it('running twice leaves one section, holding the second run', () => {
    const once = replaceScenarioSection(doc, 'sizing', 'run 1');
    const twice = replaceScenarioSection(once, 'sizing', 'run 2');
    expect(twice.match(/<!-- bench:sizing -->/g)).toHaveLength(1);
    expect(twice).toContain('run 2');
    expect(twice).not.toContain('run 1');
  });

  it('refuses a file whose section lost its end marker', () => {
    const broken = doc.replace('<!-- /bench:memory -->', '');
    expect(() => replaceScenarioSection(broken, 'memory', 'x')).toThrow(/no "<!-- \/bench:memory -->"/);
  });
});

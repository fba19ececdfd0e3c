import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RETRY_POLICY, type RetryRule } from '@ghl-sync/ghl-client';

// #4: docs/rate-limits.md carries the retry policy table; it must match RETRY_POLICY row for row.
const DOC = new URL('../../docs/rate-limits.md', import.meta.url);

/** One markdown row of the table, exactly as the doc writes it. */
function renderRow(kind: string, rule: RetryRule): string {
  const code = rule.errorCode === null ? '(rethrown unchanged)' : `\`${rule.errorCode}\``;
  return `| \`${kind}\` | ${rule.when} | ${rule.retried ? 'yes' : 'no'} | ${rule.budget} | ${rule.how} | ${code} |`;
}

describe('the retry policy in docs/rate-limits.md', () => {
  it('lists every row of RETRY_POLICY exactly, and nothing else', () => {
    const doc = readFileSync(DOC, 'utf8');
    const start = doc.indexOf('<!-- retry-policy:start -->');
    const end = doc.indexOf('<!-- retry-policy:end -->');
    expect(start).toBeGreaterThan(-1);
    expect(end).toBeGreaterThan(start);
    const rows = doc
      .slice(start, end)
      .split('\n')
      .filter((l) => l.startsWith('| `'));
    expect(rows).toEqual(Object.entries(RETRY_POLICY).map(([kind, rule]) => renderRow(kind, rule)));
  });
});

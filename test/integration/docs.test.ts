import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeConfig } from '@ghl-sync/config';
import { ERROR_CODES } from '@ghl-sync/errors';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

// Docs stay true: every setting and every error code a user can meet is documented.
describe('documentation', () => {
  it('README lists every configuration variable with its default', () => {
    const readme = read('README.md');
    for (const { name, defaultValue } of describeConfig()) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${name}\` |`));
      expect(row, `README row for ${name}`).toBeDefined();
      if (defaultValue !== '(none)') expect(row).toContain(`\`${defaultValue}\``);
    }
  });

  it("README's development section names every variable the test kit reads, with its default", () => {
    const readme = read('README.md');
    const development = readme.slice(readme.indexOf('## Development'));
    const kit = ['packages/testing/src/test-database.ts', 'packages/testing/src/test-redis.ts'].map(read).join('\n');
    const reads = [...kit.matchAll(/processEnvironment\(\)\['(\w+)'\] \?\? '([^']+)'/g)];
    expect(reads.map((m) => m[1]).sort()).toEqual(['TEST_DATABASE_URL', 'TEST_REDIS_URL']);
    for (const [, name, fallback] of reads) {
      expect(development).toContain(`\`${name}\``);
      expect(development).toContain(`\`${fallback}\``);
    }
  });

  it('docs/errors.md lists every error code with its retry verdict', () => {
    const doc = read('docs/errors.md');
    for (const [code, { retryable }] of Object.entries(ERROR_CODES)) {
      const row = doc.split('\n').find((line) => line.startsWith(`| \`${code}\` |`));
      expect(row, `docs/errors.md row for ${code}`).toBeDefined();
      expect(row).toContain(retryable ? '| yes |' : '| no |');
    }
  });
});

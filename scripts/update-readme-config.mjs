// Regenerates the README's configuration table from packages/config (run after changing a setting:
// `npm run docs:config`). test/integration/docs.test.ts fails while the two disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import { describeConfig } from '@ghl-sync/config';

const rows = describeConfig().map(
  (r) =>
    `| \`${r.name}\` | ${r.defaultValue === '(none)' ? '—' : `\`${r.defaultValue}\``} | ${r.description.replaceAll('|', '\\|')} |`,
);
const table = ['| Variable | Default | Meaning |', '|---|---|---|', ...rows].join('\n');
const path = new URL('../README.md', import.meta.url);
const readme = readFileSync(path, 'utf8');
const start = readme.indexOf('| Variable | Default | Meaning |');
const end = readme.indexOf('\n\n', start);
if (start < 0 || end < 0) throw new Error('README has no configuration table to replace');
writeFileSync(path, readme.slice(0, start) + table + readme.slice(end));
console.log(`README configuration table: ${rows.length} variables`);

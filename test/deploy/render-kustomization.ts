import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';

/** A rendered Kubernetes object, as plain data. */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
} & Record<string, unknown>;

/** `kubectl` with its built-in kustomize, or undefined when it is not installed. */
export function findKubectl(): string | undefined {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return 'kubectl';
  } catch {
    return undefined;
  }
}

/** Values good enough for the config schema, so every env file renders and parses as a user's would. */
function fillExampleValue(key: string, value: string): string {
  if (value !== '') return value;
  if (key === 'ADMIN_TOKEN') return randomBytes(32).toString('hex');
  if (key === 'TOKEN_ENCRYPTION_KEY') return randomBytes(32).toString('base64');
  return value;
}

/**
 * Renders the example overlay the way a user would after copying its `*.env.example` files: the
 * overlay is copied to a temporary folder (so no env file is ever written into the repository),
 * its `../base` resource pointed at the repository's base, the env files made from the examples
 * with generated secrets, then built with `kubectl kustomize`.
 */
export function renderExampleOverlay(kubectl: string, exampleDir: string): K8sObject[] {
  const dir = mkdtempSync(join(tmpdir(), 'ghl-sync-kustomize-'));
  try {
    cpSync(exampleDir, dir, { recursive: true });
    const kustomization = parse(readFileSync(join(exampleDir, 'kustomization.yaml'), 'utf8')) as {
      resources: string[];
    };
    // kustomize wants relative paths: point `../base` at the repository's base from the copy.
    kustomization.resources = kustomization.resources.map((r) =>
      r.startsWith('..') ? relative(dir, resolve(exampleDir, r)) : r,
    );
    writeFileSync(join(dir, 'kustomization.yaml'), stringify(kustomization));
    for (const file of readdirSync(exampleDir).filter((f) => f.endsWith('.env.example'))) {
      const lines = readFileSync(join(exampleDir, file), 'utf8')
        .split('\n')
        .map((line) => {
          const eq = line.indexOf('=');
          if (line.startsWith('#') || eq === -1) return line;
          return `${line.slice(0, eq)}=${fillExampleValue(line.slice(0, eq), line.slice(eq + 1))}`;
        });
      writeFileSync(join(dir, file.replace(/\.example$/, '')), lines.join('\n'));
    }
    const out = execFileSync(kubectl, ['kustomize', dir], { encoding: 'utf8' });
    return parseAllDocuments(out).map((doc) => doc.toJS() as K8sObject);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

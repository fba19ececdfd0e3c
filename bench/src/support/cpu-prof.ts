import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where worker CPU profiles go (`bench/profiles/<scenario>-<time>/`). */
export function cpuProfArgs(enabled: boolean, scenario: string): string[] {
  if (!enabled) return [];
  const dir = fileURLToPath(new URL(`../../profiles/${scenario}-${Date.now()}/`, import.meta.url));
  mkdirSync(dir, { recursive: true });
  console.log(`CPU profiles of the workers: ${dir}`);
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}

import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';

/** Where and on what a benchmark ran; printed at the top of every BENCHMARKS.md section. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGb: number;
  node: string;
  commit: string;
  date: string;
}

/** Reads the machine description and the short git commit of the working tree. */
export function machineInfo(): MachineInfo {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    // Figures are often measured before the change is committed: say when the tree had local changes.
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim();
    if (dirty) commit += ' (+ uncommitted changes)';
  } catch {
    // Not a git checkout: keep 'unknown'.
  }
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    commit,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  };
}

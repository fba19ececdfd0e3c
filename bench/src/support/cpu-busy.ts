import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** A reading of the machine's and this process's CPU time, to compare two of them. */
export interface CpuReading {
  /** Machine-wide jiffies: busy (everything but idle and iowait) and total, from /proc/stat. */
  busy: number;
  total: number;
  /** This process's user + system CPU time, µs. */
  selfUs: number;
  atMs: number;
}

/** Reads the machine's CPU counters (/proc/stat; zeros where there is none) and this process's. */
export function readCpu(): CpuReading {
  let busy = 0;
  let total = 0;
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    total = fields.reduce((a, b) => a + b, 0);
    busy = total - (fields[3] ?? 0) - (fields[4] ?? 0);
  } catch {
    // Not Linux: the machine share reads as unknown.
  }
  const self = process.cpuUsage();
  return { busy, total, selfUs: self.user + self.system, atMs: performance.now() };
}

/**
 * Between two readings: the share of the whole machine's CPU that was busy (0–1, NaN when
 * unknown), and how many cores this process used on average.
 */
export function cpuBetween(a: CpuReading, b: CpuReading): { machineBusy: number; selfCores: number } {
  const total = b.total - a.total;
  return {
    machineBusy: total > 0 ? (b.busy - a.busy) / total : NaN,
    selfCores: (b.selfUs - a.selfUs) / 1000 / (b.atMs - a.atMs),
  };
}

/** Cores of this machine. */
export const CORES = cpus().length;

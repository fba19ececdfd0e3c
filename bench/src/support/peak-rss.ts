import { readFileSync } from 'node:fs';

/** Reads a field such as `VmHWM` (kB in /proc) of a live process, in bytes; null once it is gone. */
export function readProcStatusBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Tracks the peak resident set size of child processes. The kernel's own high-water mark
 * (`VmHWM`) is exact, but it vanishes with the process, so it is sampled every `intervalMs` and
 * the last value read is kept; call {@link PeakRssSampler.sampleNow} just before stopping them.
 */
export class PeakRssSampler {
  private readonly peaks = new Map<number, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pids: () => number[],
    intervalMs = 250,
  ) {
    this.timer = setInterval(() => this.sampleNow(), intervalMs);
    this.timer.unref();
  }

  /** Reads every tracked process's high-water mark now. */
  sampleNow(): void {
    for (const pid of this.pids()) {
      const hwm = readProcStatusBytes(pid, 'VmHWM') ?? readProcStatusBytes(pid, 'VmRSS');
      if (hwm !== null) this.peaks.set(pid, Math.max(this.peaks.get(pid) ?? 0, hwm));
    }
  }

  /** Peak RSS of `pid` in bytes, or null if it was never sampled. */
  peak(pid: number): number | null {
    return this.peaks.get(pid) ?? null;
  }

  /** Stops sampling (takes a last sample first). */
  stop(): void {
    this.sampleNow();
    clearInterval(this.timer);
  }
}

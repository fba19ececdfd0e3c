import type { Redis } from 'ioredis';

/** Calls and server time per command, from `INFO commandstats`. */
export type CommandStats = Map<string, { calls: number; usec: number }>;

/** Reads `INFO commandstats` (`cmdstat_<name>:calls=…,usec=…`). */
export async function readCommandStats(redis: Redis): Promise<CommandStats> {
  const info = await redis.info('commandstats');
  const stats: CommandStats = new Map();
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm))
    stats.set(m[1]!, { calls: Number(m[2]), usec: Number(m[3]) });
  return stats;
}

/** `after − before` per command, and the totals; the `info` calls that read them are left out. */
export function diffCommandStats(
  before: CommandStats,
  after: CommandStats,
): { calls: number; usec: number; byCommand: Array<{ command: string; calls: number; usec: number }> } {
  const byCommand = [...after]
    .filter(([command]) => command !== 'info')
    .map(([command, a]) => {
      const b = before.get(command) ?? { calls: 0, usec: 0 };
      return { command, calls: a.calls - b.calls, usec: a.usec - b.usec };
    })
    .filter((c) => c.calls > 0)
    .sort((x, y) => y.calls - x.calls);
  return {
    calls: byCommand.reduce((n, c) => n + c.calls, 0),
    usec: byCommand.reduce((n, c) => n + c.usec, 0),
    byCommand,
  };
}

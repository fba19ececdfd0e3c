import type { Command } from 'commander';
import { getLocationSummary, listEventsToReplay, requireLocationId } from '@ghl-sync/db';
import { GhlSyncError } from '@ghl-sync/errors';
import { createCliContext } from '../cli-context.js';

/**
 * Parses `--since`: an ISO-8601 time, or a duration back from now (`90m`, `6h`, `2d`).
 * @throws GhlSyncError `invalid_argument` for anything else.
 */
export function parseSince(value: string | undefined, now = Date.now()): Date | null {
  if (value === undefined) return null;
  const duration = /^(\d+)\s*(m|h|d)$/.exec(value.trim());
  if (duration) {
    const unitMs = { m: 60_000, h: 3_600_000, d: 86_400_000 }[duration[2] as 'm' | 'h' | 'd'];
    return new Date(now - Number(duration[1]) * unitMs);
  }
  const at = new Date(value);
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(at.getTime())) return at;
  throw new GhlSyncError(
    'invalid_argument',
    `--since must be an ISO-8601 time (2026-11-29T18:00:00Z) or a duration (90m, 6h, 2d), got "${value}"`,
  );
}

/** `ghl-sync webhooks replay`. */
export function registerWebhookCommands(program: Command): void {
  const webhooks = program.command('webhooks').description('stored GHL webhook events');

  webhooks
    .command('replay <locationId>')
    .description(
      're-apply the stored webhook events of a location: one record job per opportunity (its latest event), queued behind live deliveries; workers re-read each opportunity from GHL',
    )
    .option('--since <time>', 'only events received since this ISO-8601 time or duration back (90m, 6h, 2d)')
    .action(async (locationId: string, opts: { since?: string }) => {
      requireLocationId(locationId, '<locationId>');
      const since = parseSince(opts.since);
      const ctx = createCliContext();
      try {
        if (!(await getLocationSummary(ctx.db(), locationId)))
          throw new GhlSyncError('location_not_found', `location ${locationId} is not registered`);
        const events = await listEventsToReplay(ctx.db(), locationId, since);
        for (const e of events)
          await ctx
            .queues()
            .enqueueRecord(
              { locationId, opportunityId: e.opportunityId!, type: e.type, source: 'replay' },
              { delayMs: 0 },
            );
        console.log(
          `location ${locationId}: ${events.length} opportunit${events.length === 1 ? 'y' : 'ies'} queued for re-apply${since ? ` (events since ${since.toISOString()})` : ''}`,
        );
      } finally {
        await ctx.close();
      }
    });
}

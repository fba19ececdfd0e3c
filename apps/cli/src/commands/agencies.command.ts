import type { Command } from 'commander';
import { listAgencies } from '@ghl-sync/db';
import { createCliContext } from '../cli-context.js';

/** `ghl-sync agencies list`: agencies that installed the marketplace app (never their tokens). */
export function registerAgencyCommands(program: Command): void {
  const agencies = program
    .command('agencies')
    .description('agencies that installed the marketplace app (README, "Onboard an agency")');

  agencies
    .command('list')
    .description('list agencies with their locations and the state of their Company token (no tokens)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const ctx = createCliContext();
      try {
        const rows = await listAgencies(ctx.db());
        if (opts.json) console.log(JSON.stringify(rows, null, 2));
        else if (rows.length === 0)
          console.log("no agency has installed the app; start an install at the API's /oauth/install");
        else
          for (const a of rows)
            console.log(
              `${a.id}\t${a.locations} location(s), ${a.uninstalledLocations} uninstalled\t${a.installToFuture ? 'future locations too' : 'chosen locations'}\treconciled ${a.reconciledAt?.toISOString() ?? 'never'}\t${a.needsReconnect ? `NEEDS A NEW INSTALL: ${a.reconnectReason ?? ''}` : 'ok'}`,
            );
      } finally {
        await ctx.close();
      }
    });
}

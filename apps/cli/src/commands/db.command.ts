import type { Command } from 'commander';
import { runMigrations } from '@ghl-sync/db';
import { createCliContext } from '../cli-context.js';

/** `ghl-sync db migrate`: creates the database if missing and applies migrations (idempotent). */
export function registerDbCommands(program: Command): void {
  const db = program.command('db').description('database administration');
  db.command('migrate')
    .description('create the database if missing and apply pending migrations (idempotent)')
    .action(async () => {
      const ctx = createCliContext();
      const applied = await runMigrations({ databaseUrl: ctx.config.DATABASE_URL, logger: ctx.logger });
      const where = new URL(ctx.config.DATABASE_URL);
      console.log(
        applied.length
          ? `applied ${applied.length} migration(s) to ${where.host}${where.pathname}: ${applied.join(', ')}`
          : `database ${where.host}${where.pathname} is up to date`,
      );
      await ctx.close();
    });
}

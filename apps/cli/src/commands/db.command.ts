import type { Command } from 'commander';
import { encryptPlaintextTokens, runMigrations } from '@ghl-sync/db';
import { requireTokenCipher } from '@ghl-sync/secrets';
import { createCliContext } from '../cli-context.js';

/**
 * `ghl-sync db migrate`: creates the database if missing, applies the SQL migrations, then
 * encrypts any token still stored in plaintext (SQL cannot encrypt; this needs `TOKEN_ENCRYPTION_KEY`
 * only when there is one) and seals the table against plaintext. Idempotent.
 */
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
      try {
        const { encrypted } = await encryptPlaintextTokens(ctx.db(), () => requireTokenCipher(ctx.config));
        if (encrypted > 0) console.log(`encrypted the plaintext tokens of ${encrypted} location(s)`);
      } finally {
        await ctx.close();
      }
    });
}

import type { Command } from 'commander';
import { rotateTokenKeys } from '@ghl-sync/db';
import { GhlSyncError } from '@ghl-sync/errors';
import { generateTokenKey, requireTokenCipher } from '@ghl-sync/secrets';
import { createCliContext } from '../cli-context.js';

/** `ghl-sync keys generate|rotate`: the key GHL tokens are encrypted under (docs/security.md). */
export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description('the key stored GHL tokens are encrypted under');

  keys
    .command('generate')
    .description('print a new random TOKEN_ENCRYPTION_KEY (32 bytes, base64); nothing is stored')
    .action(() => {
      console.log(generateTokenKey());
    });

  keys
    .command('rotate')
    .description(
      're-encrypt every stored token under TOKEN_ENCRYPTION_KEY; the old key must be in TOKEN_ENCRYPTION_PREVIOUS_KEYS',
    )
    .action(async () => {
      const ctx = createCliContext();
      try {
        const cipher = requireTokenCipher(ctx.config);
        const result = await rotateTokenKeys(ctx.db(), cipher);
        const { agencies } = result;
        console.log(
          `key ${cipher.currentKeyId}: ${result.rotated} location(s) re-encrypted, ${result.alreadyCurrent} already under it`,
        );
        if (agencies.rotated + agencies.alreadyCurrent + agencies.unreadable.length + agencies.changedMeanwhile > 0)
          console.log(
            `key ${cipher.currentKeyId}: ${agencies.rotated} agency token(s) re-encrypted, ${agencies.alreadyCurrent} already under it`,
          );
        const changed = result.changedMeanwhile + agencies.changedMeanwhile;
        if (changed > 0)
          throw new GhlSyncError(
            'db_error',
            `${changed} location(s) or agencies saved new tokens while rotating; run \`ghl-sync keys rotate\` again`,
          );
        const unreadable = [
          ...result.unreadable.map((u) => `location ${u.locationId} (key ${u.keyIds.join(', ')})`),
          ...agencies.unreadable.map((u) => `agency ${u.agencyId} (key ${u.keyIds.join(', ')})`),
        ];
        if (unreadable.length > 0)
          throw new GhlSyncError(
            'token_undecryptable',
            `${unreadable.length} location(s) or agencies hold tokens no configured key opens, left as they are: ${unreadable.join(', ')}; add their key to TOKEN_ENCRYPTION_PREVIOUS_KEYS and run again, or register them again (\`ghl-sync locations add\`, or the agency's install link)`,
          );
        console.log(
          `every stored token is under key ${cipher.currentKeyId}; TOKEN_ENCRYPTION_PREVIOUS_KEYS can now be emptied on every process`,
        );
      } finally {
        await ctx.close();
      }
    });
}

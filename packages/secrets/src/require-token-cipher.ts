import { GhlSyncError } from '@ghl-sync/errors';
import { createTokenCipher, type TokenCipher } from './token-cipher.js';
import { HOW_TO_MAKE_A_TOKEN_KEY } from './token-key.js';

/** The settings the key ring is read from (a `Config` fits). */
export interface TokenKeySettings {
  TOKEN_ENCRYPTION_KEY?: string | undefined;
  TOKEN_ENCRYPTION_PREVIOUS_KEYS?: readonly string[] | undefined;
}

/**
 * The token cipher of a process that reads or writes stored GHL tokens (workers, `locations add`,
 * `db migrate`, `keys rotate`); processes that do not (the API, `runs list`) never ask for it.
 * @throws GhlSyncError `config_invalid` when `TOKEN_ENCRYPTION_KEY` is unset, saying how to make
 *   one and that every process must share it; or when a key is not 32 bytes of base64.
 */
export function requireTokenCipher(settings: TokenKeySettings): TokenCipher {
  if (!settings.TOKEN_ENCRYPTION_KEY) {
    throw new GhlSyncError(
      'config_invalid',
      `TOKEN_ENCRYPTION_KEY is not set: GHL tokens are stored encrypted under it. Make one with ${HOW_TO_MAKE_A_TOKEN_KEY}, keep it in your secret store (without it the stored tokens are lost) and give the same value to every worker and CLI; see docs/security.md`,
      { details: { problems: ['TOKEN_ENCRYPTION_KEY: required to read or write stored tokens'] } },
    );
  }
  return createTokenCipher({
    current: settings.TOKEN_ENCRYPTION_KEY,
    previous: settings.TOKEN_ENCRYPTION_PREVIOUS_KEYS ?? [],
  });
}

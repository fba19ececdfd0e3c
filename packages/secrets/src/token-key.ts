import { createHash, randomBytes } from 'node:crypto';
import { GhlSyncError } from '@ghl-sync/errors';

/** Bytes of an AES-256 key. */
export const TOKEN_KEY_BYTES = 32;

/** How an operator makes a key; every message about a missing or bad key says it. */
export const HOW_TO_MAKE_A_TOKEN_KEY = '`openssl rand -base64 32` (or `ghl-sync keys generate`)';

/** One AES-256 key and the id stored with every token sealed under it. */
export interface TokenKey {
  /**
   * 8 hex characters derived from the key (SHA-256 of a label and the key bytes): tells which key
   * sealed a token without revealing anything about the key.
   */
  id: string;
  bytes: Buffer;
}

/**
 * Decodes a key given as base64 (standard or URL-safe, with or without padding).
 * @param name - the setting it came from, for the message (`TOKEN_ENCRYPTION_KEY`).
 * @throws GhlSyncError `config_invalid` when it does not decode to exactly 32 bytes; the message
 *   never contains the value.
 */
export function parseTokenKey(text: string, name: string): TokenKey {
  const trimmed = text.trim();
  const bytes = /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed, 'base64') : Buffer.alloc(0);
  if (bytes.length !== TOKEN_KEY_BYTES) {
    throw new GhlSyncError(
      'config_invalid',
      `${name} must be ${TOKEN_KEY_BYTES} random bytes in base64 (44 characters); make one with ${HOW_TO_MAKE_A_TOKEN_KEY}`,
      { details: { problems: [`${name}: not ${TOKEN_KEY_BYTES} bytes of base64`] } },
    );
  }
  const id = createHash('sha256').update('ghl-sync token key\0').update(bytes).digest('hex').slice(0, 8);
  return { id, bytes };
}

/** A new random key, in base64: what `ghl-sync keys generate` prints and the demo uses. */
export function generateTokenKey(): string {
  return randomBytes(TOKEN_KEY_BYTES).toString('base64');
}

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { GhlSyncError } from '@ghl-sync/errors';
import { formatSealedToken, parseSealedToken } from './sealed-token.js';
import { parseTokenKey, type TokenKey } from './token-key.js';

/**
 * Which stored token a value is: it is bound to its row and column (AES-GCM additional data), so a
 * sealed value copied to another row, or from an agency to a location, does not open.
 */
export type TokenSlot =
  | { locationId: string; column: 'access_token' | 'refresh_token' }
  /** An agency's Company token (`ghl.agencies`). */
  | { agencyId: string; column: 'access_token' | 'refresh_token' };

/** Seals and opens stored GHL tokens. Built once per process from the key ring. */
export interface TokenCipher {
  /** Id of the key new tokens are sealed under (`TOKEN_ENCRYPTION_KEY`). */
  readonly currentKeyId: string;
  /** Ids of every key that can open a token, current first. */
  readonly keyIds: readonly string[];
  /** Encrypts `plaintext` under the current key, bound to `slot`. */
  seal(plaintext: string, slot: TokenSlot): string;
  /**
   * Decrypts a sealed token of `slot`.
   * @throws GhlSyncError `token_undecryptable` (not retryable) when the value is not sealed, was
   *   sealed under a key that is not configured, or does not authenticate (altered, or copied from
   *   another row); the message names the location, the column and the key id, never a secret.
   */
  open(sealed: string, slot: TokenSlot): string;
  /** The key id a sealed value names, or null when it is not sealed. */
  keyIdOf(sealed: string): string | null;
}

/** The keys of a {@link TokenCipher}, in base64. */
export interface TokenKeyRing {
  /** Seals new tokens and opens tokens sealed under it (`TOKEN_ENCRYPTION_KEY`). */
  current: string;
  /** Open tokens only: the keys being rotated away from (`TOKEN_ENCRYPTION_PREVIOUS_KEYS`). @defaultValue [] */
  previous?: readonly string[];
}

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;

// Location slots keep their original form (tokens sealed before agencies existed still open); an
// agency's cannot collide with one, since ':' is not allowed in a location id.
const aad = (slot: TokenSlot) =>
  Buffer.from(
    'agencyId' in slot
      ? `ghl-sync:agency:${slot.agencyId}:${slot.column}`
      : `ghl-sync:${slot.locationId}:${slot.column}`,
    'utf8',
  );

const owner = (slot: TokenSlot) => ('agencyId' in slot ? `agency ${slot.agencyId}` : `location ${slot.locationId}`);

/**
 * Builds the cipher: AES-256-GCM (node:crypto), a fresh random IV per seal, the key id stored with
 * each ciphertext so that tokens sealed under a previous key still open during a rotation.
 * @throws GhlSyncError `config_invalid` when a key is not 32 bytes of base64.
 */
export function createTokenCipher(ring: TokenKeyRing): TokenCipher {
  const current = parseTokenKey(ring.current, 'TOKEN_ENCRYPTION_KEY');
  const keys = new Map<string, TokenKey>([[current.id, current]]);
  for (const text of ring.previous ?? []) {
    const key = parseTokenKey(text, 'TOKEN_ENCRYPTION_PREVIOUS_KEYS');
    if (!keys.has(key.id)) keys.set(key.id, key);
  }
  const undecryptable = (slot: TokenSlot, why: string, keyId?: string) =>
    new GhlSyncError('token_undecryptable', `The stored ${slot.column} of ${owner(slot)} cannot be decrypted: ${why}`, {
      details: {
        ...('agencyId' in slot ? { agencyId: slot.agencyId } : { locationId: slot.locationId }),
        column: slot.column,
        ...(keyId ? { keyId } : {}),
      },
    });

  return {
    currentKeyId: current.id,
    keyIds: [...keys.keys()],
    seal(plaintext, slot) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(ALGORITHM, current.bytes, iv);
      cipher.setAAD(aad(slot));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return formatSealedToken({ keyId: current.id, iv, tag: cipher.getAuthTag(), ciphertext });
    },
    open(sealed, slot) {
      const parts = parseSealedToken(sealed);
      if (!parts) throw undecryptable(slot, 'it is not encrypted (run `ghl-sync db migrate` to encrypt it)');
      const key = keys.get(parts.keyId);
      if (!key)
        throw undecryptable(
          slot,
          `it was encrypted under key ${parts.keyId}, which is neither TOKEN_ENCRYPTION_KEY (${current.id}) nor in TOKEN_ENCRYPTION_PREVIOUS_KEYS`,
          parts.keyId,
        );
      try {
        const decipher = createDecipheriv(ALGORITHM, key.bytes, parts.iv);
        decipher.setAAD(aad(slot));
        decipher.setAuthTag(parts.tag);
        return Buffer.concat([decipher.update(parts.ciphertext), decipher.final()]).toString('utf8');
      } catch {
        throw undecryptable(
          slot,
          `it does not authenticate under key ${parts.keyId} (altered, or copied from another row)`,
          parts.keyId,
        );
      }
    },
    keyIdOf(sealed) {
      return parseSealedToken(sealed)?.keyId ?? null;
    },
  };
}

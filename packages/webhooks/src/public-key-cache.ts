import { createPublicKey, type KeyObject } from 'node:crypto';
import { GhlSyncError } from '@ghl-sync/errors';

// Parsing a 4096-bit PEM costs more than verifying with it; an intake sees a handful of keys.
const cache = new Map<string, KeyObject>();

/**
 * The public key of a PEM, parsed once per process.
 * @throws GhlSyncError `invalid_argument` when the PEM does not parse or is not of `keyType`
 *   (the message never quotes the PEM).
 */
export function publicKeyOf(pem: string, keyType: 'ed25519' | 'rsa', label: string): KeyObject {
  const cached = cache.get(pem);
  if (cached !== undefined && cached.asymmetricKeyType === keyType) return cached;
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (cause) {
    throw new GhlSyncError('invalid_argument', `${label} is not a PEM public key`, { cause });
  }
  if (key.asymmetricKeyType !== keyType) {
    throw new GhlSyncError('invalid_argument', `${label} is a ${key.asymmetricKeyType} key, not ${keyType}`);
  }
  cache.set(pem, key);
  return key;
}

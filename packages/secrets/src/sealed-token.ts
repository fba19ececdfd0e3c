/**
 * The stored form of a token: `v1:<keyId>:<iv>:<tag>:<ciphertext>`, the last three in base64url.
 * `v1` is AES-256-GCM with a 12-byte random IV and a 16-byte tag, and the location id and column
 * as additional authenticated data (a token copied to another row or column does not open).
 */
export const SEALED_TOKEN_PREFIX = 'v1:';

/** The parts of a sealed token. */
export interface SealedTokenParts {
  keyId: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

const SEALED = /^v1:([0-9a-f]{8}):([A-Za-z0-9_-]{16}):([A-Za-z0-9_-]{22}):([A-Za-z0-9_-]+)$/;

/** Whether `value` has the sealed form (it says nothing about whether it opens). */
export function isSealedToken(value: string): boolean {
  return SEALED.test(value);
}

/** Splits a sealed token, or null when `value` is not one (a plaintext token, for instance). */
export function parseSealedToken(value: string): SealedTokenParts | null {
  const m = SEALED.exec(value);
  if (!m) return null;
  return {
    keyId: m[1]!,
    iv: Buffer.from(m[2]!, 'base64url'),
    tag: Buffer.from(m[3]!, 'base64url'),
    ciphertext: Buffer.from(m[4]!, 'base64url'),
  };
}

/** Joins the parts into the stored form. */
export function formatSealedToken(parts: SealedTokenParts): string {
  return `${SEALED_TOKEN_PREFIX}${parts.keyId}:${parts.iv.toString('base64url')}:${parts.tag.toString('base64url')}:${parts.ciphertext.toString('base64url')}`;
}

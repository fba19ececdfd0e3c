import { verify } from 'node:crypto';
import type { SignatureCheck } from './signature-check.js';
import type { WebhookKeys } from './webhook-keys.js';
import { publicKeyOf } from './public-key-cache.js';

/** Header of GHL's Ed25519 signature (docs/reference/ghl-api.md §6.2). */
export const GHL_SIGNATURE_HEADER = 'x-ghl-signature';
/** Header of GHL's legacy RSA-SHA256 signature (docs/reference/ghl-api.md §6.2). */
export const LEGACY_SIGNATURE_HEADER = 'x-wh-signature';

/**
 * Checks a GHL webhook's signature over the **raw body bytes**, as received (a body parsed and
 * re-serialised, e.g. by a proxy or `JSON.stringify(req.body)`, no longer verifies).
 *
 * Order, as GHL's SDK does it (docs/reference/ghl-api.md §6.2): when `x-ghl-signature` is present
 * and an Ed25519 key is configured, only the Ed25519 signature counts (a failing one is not
 * rescued by the legacy header). Otherwise `x-wh-signature` (base64 RSA-SHA256, PKCS#1 v1.5) is
 * verified with `keys.rsaPublicKeyPem`, only while `keys.acceptLegacy` is true.
 *
 * @param rawBody the request body exactly as received.
 * @param headers request headers; names are matched case-insensitively, a repeated header is invalid.
 * @returns the scheme that verified, or why nothing did. Never throws for a bad request.
 * @throws GhlSyncError `invalid_argument` when a configured key is not a PEM of the right type.
 */
export function verifyWebhookSignature(
  rawBody: Buffer,
  headers: Record<string, string | string[] | undefined>,
  keys: WebhookKeys,
): SignatureCheck {
  const ghl = headerValue(headers, GHL_SIGNATURE_HEADER);
  const legacy = headerValue(headers, LEGACY_SIGNATURE_HEADER);

  if (ghl !== undefined && keys.ed25519PublicKeyPem !== undefined) {
    const key = publicKeyOf(keys.ed25519PublicKeyPem, 'ed25519', 'The Ed25519 webhook key');
    return verifies(null, rawBody, key, ghl)
      ? { ok: true, scheme: 'ed25519' }
      : { ok: false, code: 'signature_invalid' };
  }
  if (legacy !== undefined) {
    if (!keys.acceptLegacy) return { ok: false, code: 'legacy_signature_refused' };
    const key = publicKeyOf(keys.rsaPublicKeyPem, 'rsa', 'The RSA webhook key');
    return verifies('sha256', rawBody, key, legacy)
      ? { ok: true, scheme: 'rsa' }
      : { ok: false, code: 'signature_invalid' };
  }
  // An Ed25519 signature we hold no key for cannot be told apart from a forged one.
  return ghl !== undefined ? { ok: false, code: 'signature_invalid' } : { ok: false, code: 'signature_missing' };
}

function verifies(
  algorithm: 'sha256' | null,
  body: Buffer,
  key: ReturnType<typeof publicKeyOf>,
  signatureBase64: string,
): boolean {
  // Buffer.from(…, 'base64') skips characters outside the alphabet; a strict check keeps
  // "valid base64 plus junk" from verifying.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signatureBase64)) return false;
  try {
    return verify(algorithm, body, key, Buffer.from(signatureBase64, 'base64'));
  } catch {
    // A signature of the wrong length makes OpenSSL throw for some key types: it is simply invalid.
    return false;
  }
}

/** The single value of a header, or undefined when absent or blank; a repeated header yields ''. */
function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  let raw = headers[name];
  if (raw === undefined) {
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
    raw = key === undefined ? undefined : headers[key];
  }
  if (Array.isArray(raw)) {
    if (raw.length === 0) return undefined;
    if (raw.length > 1) return '';
    raw = raw[0];
  }
  const value = raw?.trim();
  return value === undefined || value === '' ? undefined : value;
}

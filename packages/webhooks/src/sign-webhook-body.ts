import { sign, type KeyObject } from 'node:crypto';

/**
 * Signs a webhook body the way GHL does for `x-ghl-signature` (docs/reference/ghl-api.md §6.2):
 * Ed25519 over the raw body bytes, base64. For the sandbox and tests; ghl-sync never signs.
 * @param privateKey PKCS#8 PEM of an Ed25519 private key, or the key parsed once (`createPrivateKey`):
 *   a signer of many bodies passes the KeyObject, a PEM is parsed again at every call.
 * @throws Error from node:crypto when it is not an Ed25519 private key.
 */
export function signEd25519(rawBody: Buffer, privateKey: string | KeyObject): string {
  return sign(null, rawBody, privateKey).toString('base64');
}

/**
 * Signs a webhook body the way GHL does for the legacy `x-wh-signature` (docs/reference/ghl-api.md
 * §6.2): RSA-SHA256, PKCS#1 v1.5, over the raw body bytes, base64. For the sandbox and tests.
 * @param privateKey PKCS#8 (or PKCS#1) PEM of an RSA private key, or the key parsed once
 *   (`createPrivateKey`; parsing a 4096-bit PEM costs more than signing with it).
 * @throws Error from node:crypto when it is not an RSA private key.
 */
export function signRsaSha256(rawBody: Buffer, privateKey: string | KeyObject): string {
  return sign('sha256', rawBody, privateKey).toString('base64');
}

import { sign } from 'node:crypto';

/**
 * Signs a webhook body the way GHL does for `x-ghl-signature` (docs/reference/ghl-api.md §6.2):
 * Ed25519 over the raw body bytes, base64. For the sandbox and tests; ghl-sync never signs.
 * @param privateKeyPem PKCS#8 PEM of an Ed25519 private key.
 * @throws Error from node:crypto when the PEM is not an Ed25519 private key.
 */
export function signEd25519(rawBody: Buffer, privateKeyPem: string): string {
  return sign(null, rawBody, privateKeyPem).toString('base64');
}

/**
 * Signs a webhook body the way GHL does for the legacy `x-wh-signature` (docs/reference/ghl-api.md
 * §6.2): RSA-SHA256, PKCS#1 v1.5, over the raw body bytes, base64. For the sandbox and tests.
 * @param privateKeyPem PKCS#8 (or PKCS#1) PEM of an RSA private key.
 * @throws Error from node:crypto when the PEM is not an RSA private key.
 */
export function signRsaSha256(rawBody: Buffer, privateKeyPem: string): string {
  return sign('sha256', rawBody, privateKeyPem).toString('base64');
}

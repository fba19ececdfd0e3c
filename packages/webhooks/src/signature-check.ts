/**
 * The outcome of checking a webhook's signature. `signature_missing`: neither header is present;
 * `signature_invalid`: the signature does not verify against the raw body (or an `x-ghl-signature`
 * arrived with no Ed25519 key to check it and no acceptable legacy header);
 * `legacy_signature_refused`: only `x-wh-signature` is present and legacy signatures are turned off.
 */
export type SignatureCheck =
  | { ok: true; scheme: 'ed25519' | 'rsa' }
  | { ok: false; code: 'signature_missing' | 'signature_invalid' | 'legacy_signature_refused' };

import { createPrivateKey, generateKeyPair, type KeyObject } from 'node:crypto';

/** The sandbox's own signing keys (GHL's private keys are GHL's): PEM, public SPKI, private PKCS#8. */
export interface WebhookKeyPairs {
  ed25519: PemPair;
  rsa: PemPair;
  /** The private halves parsed once: every event is signed with these, never by re-parsing a PEM. */
  signing: { ed25519: KeyObject; rsa: KeyObject };
}

/** The public halves, for a receiver's configuration. */
export interface WebhookPublicKeys {
  /** For `x-ghl-signature` (ghl-sync: `GHL_WEBHOOK_ED25519_PUBLIC_KEY`). */
  ed25519PublicKeyPem: string;
  /** For `x-wh-signature` (ghl-sync: `GHL_WEBHOOK_RSA_PUBLIC_KEY`). */
  rsaPublicKeyPem: string;
}

const encoding = {
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
} as const;

type PemPair = { publicKeyPem: string; privateKeyPem: string };

function pair(type: 'ed25519' | 'rsa', modulusLength: number): Promise<PemPair> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, publicKeyPem: string, privateKeyPem: string) =>
      error === null ? resolve({ publicKeyPem, privateKeyPem }) : reject(error);
    if (type === 'ed25519') generateKeyPair('ed25519', encoding, done);
    else generateKeyPair('rsa', { modulusLength, ...encoding }, done);
  });
}

/**
 * Generates an Ed25519 pair and an RSA pair of `rsaModulusLength` bits (GHL's legacy key has
 * 4096, ghl-api.md §6.2). Off the event loop (libuv thread pool); a 4096-bit pair takes seconds.
 */
export async function generateWebhookKeyPairs(rsaModulusLength: number): Promise<WebhookKeyPairs> {
  const [ed25519, rsa] = await Promise.all([pair('ed25519', 0), pair('rsa', rsaModulusLength)]);
  return {
    ed25519,
    rsa,
    signing: { ed25519: createPrivateKey(ed25519.privateKeyPem), rsa: createPrivateKey(rsa.privateKeyPem) },
  };
}

import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isGhlSyncError } from '@ghl-sync/errors';
import {
  GHL_WEBHOOK_RSA_PUBLIC_KEY_PEM,
  signEd25519,
  signRsaSha256,
  verifyWebhookSignature,
  type WebhookKeys,
} from './index.js';

const pem = { type: 'spki', format: 'pem' } as const;
const pkcs8 = { type: 'pkcs8', format: 'pem' } as const;
const ed = generateKeyPairSync('ed25519', { publicKeyEncoding: pem, privateKeyEncoding: pkcs8 });
// 2048 bits keeps the test quick; the scheme is the same as GHL's 4096-bit key.
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: pem, privateKeyEncoding: pkcs8 });
const otherEd = generateKeyPairSync('ed25519', { publicKeyEncoding: pem, privateKeyEncoding: pkcs8 });

const keys: WebhookKeys = { ed25519PublicKeyPem: ed.publicKey, rsaPublicKeyPem: rsa.publicKey, acceptLegacy: true };

// Spacing and key order as a sender might write them: a parse + stringify changes the bytes.
const body = Buffer.from(
  '{"type":"OpportunityStageUpdate", "locationId":"loc-1","id":"opp-1","monetaryValue":40.0,' +
    '"webhookId":"wh-1","timestamp":"2026-11-29T10:00:00.000Z"}',
);

describe('verifyWebhookSignature', () => {
  it('accepts a valid Ed25519 signature in x-ghl-signature', () => {
    const headers = { 'x-ghl-signature': signEd25519(body, ed.privateKey) };
    expect(verifyWebhookSignature(body, headers, keys)).toEqual({ ok: true, scheme: 'ed25519' });
  });

  it('accepts a valid RSA-SHA256 signature in x-wh-signature when legacy is accepted', () => {
    const headers = { 'x-wh-signature': signRsaSha256(body, rsa.privateKey) };
    expect(verifyWebhookSignature(body, headers, keys)).toEqual({ ok: true, scheme: 'rsa' });
  });

  it('refuses a tampered body under either scheme', () => {
    const tampered = Buffer.from(body.toString().replace('"opp-1"', '"opp-2"'));
    const ghl = { 'x-ghl-signature': signEd25519(body, ed.privateKey) };
    const wh = { 'x-wh-signature': signRsaSha256(body, rsa.privateKey) };
    expect(verifyWebhookSignature(tampered, ghl, keys)).toEqual({ ok: false, code: 'signature_invalid' });
    expect(verifyWebhookSignature(tampered, wh, keys)).toEqual({ ok: false, code: 'signature_invalid' });
  });

  it('refuses the same JSON re-serialised (as a proxy or JSON.stringify(req.body) would send it)', () => {
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(body.toString())));
    expect(reserialised.equals(body)).toBe(false);
    const headers = {
      'x-ghl-signature': signEd25519(body, ed.privateKey),
      'x-wh-signature': signRsaSha256(body, rsa.privateKey),
    };
    expect(verifyWebhookSignature(reserialised, headers, keys)).toEqual({ ok: false, code: 'signature_invalid' });
    expect(verifyWebhookSignature(reserialised, { 'x-wh-signature': headers['x-wh-signature'] }, keys)).toEqual({
      ok: false,
      code: 'signature_invalid',
    });
  });

  it('reports a missing signature when neither header is present (or they are blank)', () => {
    expect(verifyWebhookSignature(body, {}, keys)).toEqual({ ok: false, code: 'signature_missing' });
    expect(verifyWebhookSignature(body, { 'x-ghl-signature': ' ', 'x-wh-signature': undefined }, keys)).toEqual({
      ok: false,
      code: 'signature_missing',
    });
  });

  it('refuses a valid legacy signature when legacy signatures are turned off', () => {
    const headers = { 'x-wh-signature': signRsaSha256(body, rsa.privateKey) };
    expect(verifyWebhookSignature(body, headers, { ...keys, acceptLegacy: false })).toEqual({
      ok: false,
      code: 'legacy_signature_refused',
    });
  });

  it('prefers Ed25519 when both headers are present: a bad Ed25519 signature is not rescued by RSA', () => {
    const good = {
      'x-ghl-signature': signEd25519(body, ed.privateKey),
      'x-wh-signature': signRsaSha256(body, rsa.privateKey),
    };
    expect(verifyWebhookSignature(body, good, keys)).toEqual({ ok: true, scheme: 'ed25519' });
    const forgedEd = { ...good, 'x-ghl-signature': signEd25519(body, otherEd.privateKey) };
    expect(verifyWebhookSignature(body, forgedEd, keys)).toEqual({ ok: false, code: 'signature_invalid' });
    // With legacy refused, the Ed25519 header alone decides.
    expect(verifyWebhookSignature(body, good, { ...keys, acceptLegacy: false })).toEqual({
      ok: true,
      scheme: 'ed25519',
    });
  });

  it('falls back to x-wh-signature when no Ed25519 key is configured', () => {
    const { ed25519PublicKeyPem: _ignored, ...rsaOnly } = keys;
    const both = {
      'x-ghl-signature': signEd25519(body, ed.privateKey),
      'x-wh-signature': signRsaSha256(body, rsa.privateKey),
    };
    expect(verifyWebhookSignature(body, both, rsaOnly)).toEqual({ ok: true, scheme: 'rsa' });
    expect(verifyWebhookSignature(body, { 'x-ghl-signature': both['x-ghl-signature'] }, rsaOnly)).toEqual({
      ok: false,
      code: 'signature_invalid',
    });
  });

  it('matches header names case-insensitively and treats a repeated header as invalid', () => {
    const sig = signEd25519(body, ed.privateKey);
    expect(verifyWebhookSignature(body, { 'X-GHL-Signature': sig }, keys)).toEqual({ ok: true, scheme: 'ed25519' });
    expect(verifyWebhookSignature(body, { 'x-ghl-signature': [sig, sig] }, keys)).toEqual({
      ok: false,
      code: 'signature_invalid',
    });
  });

  it('treats a signature that is not base64, or of the wrong length, as invalid', () => {
    const sig = signEd25519(body, ed.privateKey);
    for (const bad of [`${sig}!!`, sig.slice(0, 20), 'not a signature']) {
      expect(verifyWebhookSignature(body, { 'x-ghl-signature': bad }, keys)).toEqual({
        ok: false,
        code: 'signature_invalid',
      });
      expect(verifyWebhookSignature(body, { 'x-wh-signature': bad }, keys)).toEqual({
        ok: false,
        code: 'signature_invalid',
      });
    }
  });

  it('throws invalid_argument, without quoting the key, when a configured key is of the wrong type', () => {
    const headers = { 'x-ghl-signature': signEd25519(body, ed.privateKey) };
    let thrown: unknown;
    try {
      verifyWebhookSignature(body, headers, { ...keys, ed25519PublicKeyPem: rsa.publicKey });
    } catch (err) {
      thrown = err;
    }
    expect(isGhlSyncError(thrown, 'invalid_argument')).toBe(true);
    expect((thrown as Error).message).not.toContain('BEGIN');
  });
});

describe('GHL_WEBHOOK_RSA_PUBLIC_KEY_PEM', () => {
  it("is GHL's published 4096-bit RSA key (docs/reference/ghl-api.md §6.2)", () => {
    const key = createPublicKey(GHL_WEBHOOK_RSA_PUBLIC_KEY_PEM);
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(4096);
    expect(GHL_WEBHOOK_RSA_PUBLIC_KEY_PEM).toContain('MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEAokvo/r9tVgcf');
  });

  it('refuses a signature made with any other key', () => {
    const headers = { 'x-wh-signature': signRsaSha256(body, rsa.privateKey) };
    expect(
      verifyWebhookSignature(body, headers, { rsaPublicKeyPem: GHL_WEBHOOK_RSA_PUBLIC_KEY_PEM, acceptLegacy: true }),
    ).toEqual({ ok: false, code: 'signature_invalid' });
  });
});

import { describe, expect, it } from 'vitest';
import { isGhlSyncError } from '@ghl-sync/errors';
import { createTokenCipher, generateTokenKey, isSealedToken, requireTokenCipher } from '@ghl-sync/secrets';

const slot = { locationId: 'loc-1', column: 'access_token' } as const;

describe('the token cipher', () => {
  it('seals to a v1 value that holds no part of the token, fresh each time, and opens it back', () => {
    const cipher = createTokenCipher({ current: generateTokenKey() });
    const a = cipher.seal('pit-secret-token', slot);
    const b = cipher.seal('pit-secret-token', slot);
    expect(a).toMatch(new RegExp(`^v1:${cipher.currentKeyId}:`));
    expect(isSealedToken(a)).toBe(true);
    expect(a).not.toBe(b);
    expect(a).not.toContain('secret');
    expect(cipher.open(a, slot)).toBe('pit-secret-token');
    expect(cipher.keyIdOf(a)).toBe(cipher.currentKeyId);
  });

  it('opens tokens sealed under a previous key once that key is configured, and names the missing key otherwise', () => {
    const oldKey = generateTokenKey();
    const old = createTokenCipher({ current: oldKey });
    const sealed = old.seal('rt-1', { locationId: 'loc-1', column: 'refresh_token' });
    const rotated = createTokenCipher({ current: generateTokenKey(), previous: [oldKey] });
    expect(rotated.open(sealed, { locationId: 'loc-1', column: 'refresh_token' })).toBe('rt-1');
    expect(rotated.keyIds).toEqual([rotated.currentKeyId, old.currentKeyId]);

    const without = createTokenCipher({ current: generateTokenKey() });
    expect(() => without.open(sealed, { locationId: 'loc-1', column: 'refresh_token' })).toThrow(
      new RegExp(`key ${old.currentKeyId}, which is neither TOKEN_ENCRYPTION_KEY`),
    );
  });

  it('refuses a token moved to another row or column, an altered one and a plaintext one (token_undecryptable)', () => {
    const cipher = createTokenCipher({ current: generateTokenKey() });
    const sealed = cipher.seal('pit-x', slot);
    const altered = sealed.slice(0, -2) + (sealed.endsWith('AA') ? 'BB' : 'AA');
    for (const [value, where] of [
      [sealed, { locationId: 'loc-2', column: 'access_token' }],
      [sealed, { locationId: 'loc-1', column: 'refresh_token' }],
      [altered, slot],
      ['pit-plaintext', slot],
    ] as const) {
      let caught: unknown;
      try {
        cipher.open(value, where);
      } catch (err) {
        caught = err;
      }
      expect(isGhlSyncError(caught, 'token_undecryptable'), String(caught)).toBe(true);
      expect(String((caught as Error).message)).not.toContain('pit-');
    }
  });

  it('refuses to start without a key or with a key that is not 32 bytes, saying how to make one and never echoing it', () => {
    for (const settings of [
      {},
      { TOKEN_ENCRYPTION_KEY: 'c2hvcnQta2V5' },
      { TOKEN_ENCRYPTION_KEY: 'not base64 at all!' },
    ]) {
      let caught: unknown;
      try {
        requireTokenCipher(settings);
      } catch (err) {
        caught = err;
      }
      expect(isGhlSyncError(caught, 'config_invalid')).toBe(true);
      expect((caught as Error).message).toContain('openssl rand -base64 32');
      expect((caught as Error).message).not.toContain('c2hvcnQta2V5');
    }
  });
});

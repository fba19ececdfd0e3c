import { describe, expect, it } from 'vitest';
import { createAdminCredential } from './admin-credential.js';

const basic = (userPass: string) => `Basic ${Buffer.from(userPass).toString('base64')}`;

describe('createAdminCredential', () => {
  const credential = createAdminCredential('s3cret:with:colons');

  it('accepts the bearer token, case-insensitively on the scheme', () => {
    expect(credential.verifyHeader('Bearer s3cret:with:colons', ['bearer'])).toBe(true);
    expect(credential.verifyHeader('bearer s3cret:with:colons', ['bearer'])).toBe(true);
  });

  it('refuses wrong, longer, shorter and empty tokens', () => {
    for (const header of [
      'Bearer s3cret',
      'Bearer s3cret:with:colonsX',
      'Bearer ',
      'Bearer',
      '',
      's3cret:with:colons',
    ]) {
      expect(credential.verifyHeader(header, ['bearer', 'basic']), header).toBe(false);
    }
    expect(credential.verifyHeader(undefined, ['bearer'])).toBe(false);
  });

  it('accepts Basic with any user name only when allowed; the password may contain colons', () => {
    expect(credential.verifyHeader(basic('admin:s3cret:with:colons'), ['bearer', 'basic'])).toBe(true);
    expect(credential.verifyHeader(basic(':s3cret:with:colons'), ['bearer', 'basic'])).toBe(true);
    expect(credential.verifyHeader(basic('admin:s3cret:with:colons'), ['bearer'])).toBe(false);
    expect(credential.verifyHeader(basic('s3cret:with:colons'), ['bearer', 'basic'])).toBe(false);
    expect(credential.verifyHeader('Basic !!!', ['bearer', 'basic'])).toBe(false);
  });
});

import { createHash, timingSafeEqual } from 'node:crypto';

/** How a request presented the admin credential. */
export type CredentialScheme = 'bearer' | 'basic';

/** Checks a presented secret against the admin token without leaking timing or length. */
export interface AdminCredential {
  /** True when `presented` equals the admin token. */
  matches(presented: string): boolean;
  /**
   * Reads `Authorization` and checks it. `Bearer <token>` is accepted always; `Basic` (any user
   * name, password = token) only when `schemes` includes `basic`.
   */
  verifyHeader(header: string | undefined, schemes: readonly CredentialScheme[]): boolean;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Builds the checker. Both sides are hashed first so `timingSafeEqual` always compares 32 bytes:
 * comparing raw strings would leak the token's length through the early length check.
 */
export function createAdminCredential(adminToken: string): AdminCredential {
  const expected = digest(adminToken);
  const matches = (presented: string) => timingSafeEqual(digest(presented), expected);
  return {
    matches,
    verifyHeader(header, schemes) {
      if (!header) return false;
      const space = header.indexOf(' ');
      if (space < 0) return false;
      const scheme = header.slice(0, space).toLowerCase();
      const value = header.slice(space + 1).trim();
      if (scheme === 'bearer') return matches(value);
      if (scheme === 'basic' && schemes.includes('basic')) {
        const decoded = Buffer.from(value, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        // RFC 7617: the user name cannot contain ':', the password may.
        return colon >= 0 && matches(decoded.slice(colon + 1));
      }
      return false;
    },
  };
}

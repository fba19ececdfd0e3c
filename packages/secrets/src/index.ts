export { createTokenCipher, type TokenCipher, type TokenKeyRing, type TokenSlot } from './token-cipher.js';
export {
  generateTokenKey,
  parseTokenKey,
  HOW_TO_MAKE_A_TOKEN_KEY,
  TOKEN_KEY_BYTES,
  type TokenKey,
} from './token-key.js';
export { SEALED_TOKEN_PREFIX, isSealedToken } from './sealed-token.js';
export { requireTokenCipher, type TokenKeySettings } from './require-token-cipher.js';

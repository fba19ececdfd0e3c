import { GhlSyncError } from '@ghl-sync/errors';

/** Shortest admin token accepted, in characters: 32 random base64 characters hold 192 bits. */
export const MIN_ADMIN_TOKEN_LENGTH = 32;

const HOW_TO_MAKE_ONE = 'make one with `openssl rand -base64 32`';

/**
 * Returns the admin token, or refuses: the admin API never runs open, nor behind a guessable token.
 * @throws GhlSyncError `config_invalid` when the token is missing, blank or shorter than
 *   {@link MIN_ADMIN_TOKEN_LENGTH} characters (the message says how to make one, never the value).
 */
export function requireAdminToken(adminToken: string | undefined): string {
  if (adminToken === undefined || adminToken.trim() === '') {
    throw new GhlSyncError(
      'config_invalid',
      `ADMIN_TOKEN is not set: the admin API refuses to start without a credential. Set ADMIN_TOKEN to a random string of at least ${MIN_ADMIN_TOKEN_LENGTH} characters; ${HOW_TO_MAKE_ONE}.`,
      { details: { problems: ['ADMIN_TOKEN: required by the admin API'] } },
    );
  }
  if (adminToken.trim().length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new GhlSyncError(
      'config_invalid',
      `ADMIN_TOKEN is too short (${adminToken.trim().length} characters): the admin API needs at least ${MIN_ADMIN_TOKEN_LENGTH}; ${HOW_TO_MAKE_ONE}.`,
      { details: { problems: [`ADMIN_TOKEN: at least ${MIN_ADMIN_TOKEN_LENGTH} characters`] } },
    );
  }
  return adminToken;
}

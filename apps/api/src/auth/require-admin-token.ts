import { GhlSyncError } from '@ghl-sync/errors';

/**
 * Returns the admin token, or refuses: the admin API never runs open.
 * @throws GhlSyncError `config_invalid` when the token is missing or blank.
 */
export function requireAdminToken(adminToken: string | undefined): string {
  if (adminToken === undefined || adminToken.trim() === '') {
    throw new GhlSyncError(
      'config_invalid',
      'ADMIN_TOKEN is not set: the admin API refuses to start without a credential. Set ADMIN_TOKEN to a long random string.',
      {
        details: { problems: ['ADMIN_TOKEN: required by the admin API'] },
      },
    );
  }
  return adminToken;
}

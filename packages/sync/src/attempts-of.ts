import { isGhlSyncError } from '@ghl-sync/errors';

/** HTTP attempts a failed GHL call made (the client puts them in `details.attempts`); 0 when none were sent. */
export function attemptsOf(err: unknown): number {
  const attempts = isGhlSyncError(err) ? err.details['attempts'] : undefined;
  return typeof attempts === 'number' && Number.isInteger(attempts) && attempts > 0 ? attempts : 0;
}

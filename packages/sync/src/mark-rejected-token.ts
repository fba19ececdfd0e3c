import { markLocationNeedsReconnect, type Db } from '@ghl-sync/db';
import { isGhlSyncError } from '@ghl-sync/errors';
import type { GhlClient } from '@ghl-sync/ghl-client';
import type { SyncLogger } from './sync-deps.js';

/**
 * Wraps the client of a Private Integration Token location: when GHL answers 401 (the token was
 * rotated, expired or mistyped; ghl-api.md §5.3: PITs never refresh), the location is marked as
 * needing attention with GHL's message, so the scheduler stops sending it requests until someone
 * registers a new token. The error is rethrown unchanged.
 */
export function markLocationOnRejectedToken(
  client: GhlClient,
  options: { db: Db; locationId: string; logger: SyncLogger },
): GhlClient {
  const guard =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await call(...args);
      } catch (err) {
        if (isGhlSyncError(err) && err.details['status'] === 401) {
          const message = err.details['ghlMessage'];
          const reason = `GHL refused the Private Integration Token (401${typeof message === 'string' ? `: ${message}` : ''}); register a new one with \`ghl-sync locations add ${options.locationId} --token-stdin\``;
          await markLocationNeedsReconnect(options.db, options.locationId, reason);
          options.logger.error(
            { code: err.code },
            'Private Integration Token refused: location marked as needing attention',
          );
        }
        throw err;
      }
    };
  return {
    ...client,
    searchOpportunities: guard(client.searchOpportunities.bind(client)),
    listPipelines: guard(client.listPipelines.bind(client)),
    getOpportunity: guard(client.getOpportunity.bind(client)),
  };
}

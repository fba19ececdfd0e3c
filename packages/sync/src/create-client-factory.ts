import { getLocation, type Db } from '@ghl-sync/db';
import type { TokenCipher } from '@ghl-sync/secrets';
import { GhlSyncError } from '@ghl-sync/errors';
import { createGhlClient, type GhlClient, type GhlRequestEvent, type TokenProvider } from '@ghl-sync/ghl-client';
import type { RateLimiter } from '@ghl-sync/rate-limiter';
import { markLocationOnRejectedToken } from './mark-rejected-token.js';
import type { ClientForOptions, SyncLogger } from './sync-deps.js';
import { requireSyncableLocation } from './runs/require-syncable-location.js';

/** Options for {@link createClientFactory}. */
export interface ClientFactoryOptions {
  db: Db;
  /** Decrypts the stored Private Integration token (`TOKEN_ENCRYPTION_KEY`). */
  tokens: TokenCipher;
  limiter: RateLimiter;
  /** GHL API base URL. */
  baseUrl: string;
  /** Per-attempt timeout, in ms. */
  timeoutMs: number;
  /** Attempts for transient failures, first included. */
  maxAttempts: number;
  logger: SyncLogger;
  onRequest?: (event: GhlRequestEvent) => void;
  /**
   * Supplies tokens for OAuth locations (refresh under a lock). Private Integration tokens are
   * read from `ghl.locations` and decrypted with `tokens`.
   */
  oauthTokens?: (locationId: string) => TokenProvider;
  /** Supplies tokens for `agency` locations: minted from their agency's Company token. */
  agencyTokens?: (locationId: string) => TokenProvider;
}

/** Builds `SyncDeps.clientFor`: a GHL client per location, sharing the Redis rate limiter. */
export function createClientFactory(
  options: ClientFactoryOptions,
): (locationId: string, o: ClientForOptions) => Promise<GhlClient> {
  return async (locationId, { maxWaitMs, requestClass }) => {
    const location = await requireSyncableLocation(options.db, locationId);
    let auth: TokenProvider;
    if (location.authType === 'oauth') {
      if (!options.oauthTokens)
        throw new GhlSyncError(
          'config_invalid',
          'OAuth location but GHL_OAUTH_CLIENT_ID / GHL_OAUTH_CLIENT_SECRET are not configured',
        );
      auth = options.oauthTokens(locationId);
    } else if (location.authType === 'agency') {
      if (!options.agencyTokens)
        throw new GhlSyncError(
          'config_invalid',
          'Location minted from an agency but GHL_OAUTH_CLIENT_ID / GHL_OAUTH_CLIENT_SECRET are not configured',
        );
      auth = options.agencyTokens(locationId);
    } else {
      const credential = await getLocation(options.db, locationId, options.tokens);
      if (!credential) throw new GhlSyncError('location_not_found', `location ${locationId} is not registered`);
      const token = credential.accessToken;
      auth = { getAccessToken: async () => token };
    }
    const client = createGhlClient({
      baseUrl: options.baseUrl,
      locationId,
      auth,
      timeoutMs: options.timeoutMs,
      maxAttempts: options.maxAttempts,
      gate: options.limiter.gate(maxWaitMs, requestClass),
      // The client names its location in every line it logs: binding it here wrote the key twice.
      logger: options.logger,
      onRequest: options.onRequest,
    });
    return location.authType !== 'pit'
      ? client
      : markLocationOnRejectedToken(client, {
          db: options.db,
          locationId,
          logger: options.logger.child({ locationId }),
        });
  };
}

import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { getLocation, markLocationNeedsReconnect, saveLocationTokens, type Db } from '@ghl-sync/db';
import { GhlSyncError, isGhlSyncError } from '@ghl-sync/errors';
import { refreshOAuthToken, type TokenProvider } from '@ghl-sync/ghl-client';
import type { SyncLogger } from './sync-deps.js';

/** Options for {@link createOAuthTokenProvider}. */
export interface OAuthTokenProviderOptions {
  db: Db;
  redis: Redis;
  /** Redis key prefix (the lock is `<prefix>:oauth-refresh:{locationId}`). */
  prefix: string;
  locationId: string;
  clientId: string;
  clientSecret: string;
  /** Base URL of `POST /oauth/token` (ghl-api.md §5.1). */
  baseUrl: string;
  /**
   * Refresh this long before `token_expires_at` (the official SDK uses 30 s); at most half the
   * token's lifetime. @defaultValue 60_000
   */
  refreshSkewMs?: number;
  /** Lock lifetime; longer than one refresh call. @defaultValue 30_000 */
  lockTtlMs?: number;
  /** How long a process waits for another one's refresh before giving up. @defaultValue 35_000 */
  waitForOtherMs?: number;
  logger: SyncLogger;
}

const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Token provider of an OAuth location. GHL refresh tokens are single use and rotate on every
 * refresh (ghl-api.md §5.1, quirk 16): two processes refreshing at once would disconnect the
 * location. So refreshes are serialised by a Redis lock across every worker process; the winner
 * saves BOTH new tokens in Postgres before releasing it, and everyone else picks them up from there.
 * A refresh answered 400/401 marks the location as needing reconnection.
 */
export function createOAuthTokenProvider(options: OAuthTokenProviderOptions): TokenProvider {
  const skew = options.refreshSkewMs ?? 60_000;
  const lockKey = `${options.prefix}:oauth-refresh:{${options.locationId}}`;

  const refreshOnce = async (staleToken: string): Promise<string> => {
    const owner = randomUUID();
    const deadline = Date.now() + (options.waitForOtherMs ?? 35_000);
    for (;;) {
      const current = await getLocation(options.db, options.locationId);
      if (!current) throw new GhlSyncError('location_not_found', `location ${options.locationId} is not registered`);
      if (current.needsReconnect)
        throw new GhlSyncError(
          'location_needs_reconnect',
          `location ${options.locationId} needs reconnection: ${current.reconnectReason ?? ''}`,
        );
      // Someone else refreshed since our token went stale: use theirs.
      if (current.accessToken !== staleToken) return current.accessToken;
      const locked = await options.redis.set(lockKey, owner, 'PX', options.lockTtlMs ?? 30_000, 'NX');
      if (locked === 'OK') {
        try {
          const again = await getLocation(options.db, options.locationId);
          if (again && again.accessToken !== staleToken) return again.accessToken;
          if (!again?.refreshToken)
            throw new GhlSyncError('oauth_refresh_failed', `location ${options.locationId} has no refresh token`);
          try {
            const fresh = await refreshOAuthToken({
              baseUrl: options.baseUrl,
              clientId: options.clientId,
              clientSecret: options.clientSecret,
              refreshToken: again.refreshToken,
              userType: 'Location',
            });
            await saveLocationTokens(options.db, options.locationId, {
              accessToken: fresh.accessToken,
              refreshToken: fresh.refreshToken,
              expiresAt: new Date(Date.now() + fresh.expiresInSec * 1000),
            });
            options.logger.info(
              { locationId: options.locationId, expiresInSec: fresh.expiresInSec },
              'OAuth tokens refreshed and saved',
            );
            return fresh.accessToken;
          } catch (err) {
            if (isGhlSyncError(err, 'oauth_refresh_failed')) {
              await markLocationNeedsReconnect(options.db, options.locationId, err.message);
              options.logger.error(
                { locationId: options.locationId, code: err.code },
                'OAuth refresh refused: location marked as needing reconnection',
              );
            }
            throw err;
          }
        } finally {
          await options.redis.eval(RELEASE_LUA, 1, lockKey, owner);
        }
      }
      if (Date.now() > deadline)
        throw new GhlSyncError(
          'ghl_token_expired',
          `timed out waiting for another process to refresh location ${options.locationId}`,
        );
      await sleep(100);
    }
  };

  // The token only changes on a refresh, so it is read from Postgres once and reused until it is
  // due; a 401 goes through `refresh`, which drops it and re-reads under the lock.
  let cached: { token: string; dueAtMs: number } | null = null;

  return {
    async getAccessToken() {
      if (cached && Date.now() < cached.dueAtMs) return cached.token;
      cached = null;
      const location = await getLocation(options.db, options.locationId);
      if (!location) throw new GhlSyncError('location_not_found', `location ${options.locationId} is not registered`);
      if (location.needsReconnect)
        throw new GhlSyncError(
          'location_needs_reconnect',
          `location ${options.locationId} needs reconnection: ${location.reconnectReason ?? ''}`,
        );
      if (location.tokenExpiresAt) {
        // A token that lives less than twice the skew (a short-lived grant) would be "about to
        // expire" from the moment it is saved, and every request would burn a single-use refresh
        // token. Its lifetime is estimated from when it was saved (updated_at).
        const expiresAt = location.tokenExpiresAt.getTime();
        const lifetimeMs = expiresAt - location.updatedAt.getTime();
        const window = lifetimeMs > 0 ? Math.min(skew, lifetimeMs / 2) : skew;
        if (expiresAt - Date.now() < window) return refreshOnce(location.accessToken);
        cached = { token: location.accessToken, dueAtMs: expiresAt - window };
      } else {
        cached = { token: location.accessToken, dueAtMs: Number.POSITIVE_INFINITY };
      }
      return location.accessToken;
    },
    refresh: (rejectedToken) => {
      cached = null;
      return refreshOnce(rejectedToken);
    },
  };
}

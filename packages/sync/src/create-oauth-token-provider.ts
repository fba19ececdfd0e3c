import type { Redis } from 'ioredis';
import {
  addOAuthEvent,
  clearRefreshSent,
  getLocation,
  markLocationNeedsReconnect,
  markRefreshSent,
  saveLocationTokens,
  type Db,
  type LocationRecord,
  type OAuthEventKind,
} from '@ghl-sync/db';
import { GhlSyncError, isGhlSyncError } from '@ghl-sync/errors';
import {
  exchangeAuthorizationCode,
  isUnknownOutcome,
  reconnectOAuth,
  refreshOAuthToken,
  type GhlRequestEvent,
  type OAuthTokenAnswer,
  type TokenProvider,
} from '@ghl-sync/ghl-client';
import type { TokenCipher } from '@ghl-sync/secrets';
import { tryLease } from './oauth/redis-lease.js';
import type { SyncLogger } from './sync-deps.js';

/** What {@link OAuthTokenProviderOptions.onEvent} reports: a recovery step, or a plain refresh. */
export type OAuthTokenEventKind = OAuthEventKind | 'refreshed';

/** Options for {@link createOAuthTokenProvider}. */
export interface OAuthTokenProviderOptions {
  db: Db;
  /** Decrypts the stored pair and encrypts every pair it saves (`TOKEN_ENCRYPTION_KEY`). */
  tokens: TokenCipher;
  redis: Redis;
  /** Redis key prefix (the lock is `<prefix>:oauth-refresh:{locationId}`). */
  prefix: string;
  locationId: string;
  clientId: string;
  clientSecret: string;
  /** Base URL of `POST /oauth/token` and `POST /oauth/reconnect` (ghl-api.md §5.1). */
  baseUrl: string;
  /**
   * Refresh this long before `token_expires_at` (the official SDK uses 30 s); at most half the
   * token's lifetime. @defaultValue 60_000
   */
  refreshSkewMs?: number;
  /**
   * Lifetime of the refresh lock. The holder renews it every third of this while it waits for GHL,
   * so it only expires when the holder is gone (or cut off from Redis). @defaultValue 30_000
   */
  lockTtlMs?: number;
  /** Timeout of each OAuth call (refresh, reconnect, code exchange). @defaultValue 30_000 */
  timeoutMs?: number;
  /**
   * How long a process waits for another one's refresh (and possible reconnect) before its job is
   * told to try again later (`oauth_refresh_in_progress`). @defaultValue lockTtlMs + 3 × timeoutMs
   */
  waitForOtherMs?: number;
  /** Counts each refresh and recovery step (metrics); exceptions it throws are ignored. */
  onEvent?: (kind: OAuthTokenEventKind) => void;
  /** Metrics hook for the OAuth HTTP calls. */
  onRequest?: (event: GhlRequestEvent) => void;
  logger: SyncLogger;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Token provider of an OAuth location. GHL refresh tokens are single use and rotate on every
 * refresh (ghl-api.md §5.1, quirk 16), so:
 * - refreshes are serialised by a Redis lease across every worker process, renewed while the
 *   holder waits for GHL; everyone else picks the new pair up from Postgres;
 * - every save is a compare-and-set on the credential's generation (a fencing token): a holder
 *   whose lease expired never overwrites a newer pair;
 * - the refresh token is marked as sent before it leaves; a refresh whose outcome is unknown
 *   (timeout, reset, 5xx, a process that died before saving) is never sent again;
 * - when a refresh is refused or its outcome is unknown, the install is recovered with GHL's
 *   Reconnect API (authorization code → new pair); only when that is refused too is the location
 *   marked as needing reconnection, with the reason. Each step is logged, counted and recorded
 *   in `ghl.oauth_events`, never with a token.
 */
export function createOAuthTokenProvider(options: OAuthTokenProviderOptions): TokenProvider {
  const skew = options.refreshSkewMs ?? 60_000;
  const lockTtlMs = options.lockTtlMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const waitForOtherMs = options.waitForOtherMs ?? lockTtlMs + 3 * timeoutMs;
  const { db, locationId } = options;
  const lockKey = `${options.prefix}:oauth-refresh:{${locationId}}`;
  const logger = options.logger.child({ locationId });
  const client = {
    baseUrl: options.baseUrl,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    timeoutMs,
    ...(options.onRequest && { onRequest: options.onRequest }),
  };

  const count = (kind: OAuthTokenEventKind): void => {
    try {
      options.onEvent?.(kind);
    } catch {
      // Metrics must never break a refresh.
    }
  };
  const record = async (kind: OAuthEventKind, detail: string): Promise<void> => {
    count(kind);
    await addOAuthEvent(db, locationId, kind, detail);
  };

  const load = async (): Promise<LocationRecord> => {
    const location = await getLocation(db, locationId, options.tokens);
    if (!location) throw new GhlSyncError('location_not_found', `location ${locationId} is not registered`);
    if (location.needsReconnect)
      throw new GhlSyncError(
        'location_needs_reconnect',
        `location ${locationId} needs reconnection: ${location.reconnectReason ?? ''}`,
      );
    return location;
  };

  /** Saves a pair if the credential is still at `generation`; otherwise keeps the newer one. */
  const save = async (generation: number, pair: OAuthTokenAnswer): Promise<string> => {
    const saved = await saveLocationTokens(
      db,
      locationId,
      {
        accessToken: pair.accessToken,
        refreshToken: pair.refreshToken,
        expiresAt: new Date(Date.now() + pair.expiresInSec * 1000),
      },
      options.tokens,
      generation,
    );
    if (saved) return pair.accessToken;
    logger.warn({ generation }, 'OAuth pair arrived after a newer one was saved: discarded');
    await record('stale_pair_discarded', `a pair for generation ${generation} arrived after a newer one was saved`);
    return (await load()).accessToken;
  };

  /** Re-authorises the install with the Reconnect API and saves the new pair (ghl-api.md §5.1 [C S17]). */
  const reconnect = async (generation: number, why: string): Promise<string> => {
    let pair: OAuthTokenAnswer;
    try {
      const { authorizationCode } = await reconnectOAuth({ ...client, locationId });
      pair = await exchangeAuthorizationCode({ ...client, code: authorizationCode, userType: 'Location' });
    } catch (err) {
      if (isGhlSyncError(err, 'oauth_reconnect_failed') || isGhlSyncError(err, 'oauth_code_refused')) {
        const reason = `${why}; ${err.message}`;
        await markLocationNeedsReconnect(db, locationId, reason);
        await record('reconnect_refused', reason);
        logger.error({ code: err.code }, 'OAuth reconnect refused: location marked as needing reconnection');
        throw new GhlSyncError('oauth_refresh_failed', reason, { details: err.details, cause: err });
      }
      // Unknown or transient: asking the Reconnect API again gives a new code, so the job retries.
      throw err;
    }
    const token = await save(generation, pair);
    await record('reconnected', why);
    logger.warn({ why }, 'OAuth install recovered with the Reconnect API; new pair saved');
    return token;
  };

  /** Under the lease: refresh once, or recover when the refresh token is spent or its fate unknown. */
  const refreshUnderLease = async (staleToken: string): Promise<string> => {
    const location = await load();
    if (location.accessToken !== staleToken) return location.accessToken;
    const generation = location.tokenGeneration;
    if (!location.refreshToken) return reconnect(generation, 'no refresh token is stored');
    if (location.refreshSentGeneration === generation) {
      const why = 'an earlier refresh was sent and its new pair never saved (answer lost or process stopped)';
      await record('refresh_outcome_unknown', why);
      return reconnect(generation, why);
    }
    if (!(await markRefreshSent(db, locationId, generation))) return (await load()).accessToken;
    let pair: OAuthTokenAnswer;
    try {
      pair = await refreshOAuthToken({ ...client, refreshToken: location.refreshToken, userType: 'Location' });
    } catch (err) {
      if (isUnknownOutcome(err)) {
        const why = `the refresh got no usable answer (${(err as GhlSyncError).code}); its token may be spent`;
        await record('refresh_outcome_unknown', why);
        logger.warn({ code: (err as GhlSyncError).code }, 'OAuth refresh outcome unknown: not resending the token');
        return reconnect(generation, why);
      }
      if (isGhlSyncError(err, 'oauth_refresh_failed')) {
        await record('refresh_refused', err.message);
        logger.warn(
          { code: err.code, status: err.details['status'] },
          'OAuth refresh refused: trying the Reconnect API',
        );
        return reconnect(generation, err.message);
      }
      // Refused before GHL processed it (429, bad answer): the token was not used; the job retries.
      await clearRefreshSent(db, locationId, generation);
      throw err;
    }
    const token = await save(generation, pair);
    count('refreshed');
    logger.info({ expiresInSec: pair.expiresInSec }, 'OAuth tokens refreshed and saved');
    return token;
  };

  const refreshOnce = async (staleToken: string): Promise<string> => {
    const deadline = Date.now() + waitForOtherMs;
    for (;;) {
      // Someone else refreshed since our token went stale: use theirs.
      const current = await load();
      if (current.accessToken !== staleToken) return current.accessToken;
      const lease = await tryLease(options.redis, lockKey, lockTtlMs);
      if (lease) {
        try {
          return await refreshUnderLease(staleToken);
        } finally {
          await lease.release();
        }
      }
      if (Date.now() > deadline)
        throw new GhlSyncError(
          'oauth_refresh_in_progress',
          `timed out waiting for another process to refresh location ${locationId}`,
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
      const location = await load();
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

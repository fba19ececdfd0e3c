import type { Cluster, Redis } from 'ioredis';
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
  provesNotProcessed,
  reconnectOAuth,
  refreshOAuthToken,
  type GhlRequestEvent,
  type OAuthTokenAnswer,
  type TokenProvider,
} from '@ghl-sync/ghl-client';
import type { TokenCipher } from '@ghl-sync/secrets';
import { resolveOAuthLockSettings, type OAuthLockSettings } from './oauth/oauth-lock-settings.js';
import { tryLease, type Lease } from './oauth/redis-lease.js';
import type { SyncLogger } from './sync-deps.js';

/**
 * What {@link OAuthTokenProviderOptions.onEvent} reports: a recovery step, a plain refresh, or
 * `client_invalid` (GHL refused the app's client credentials; not recorded per location).
 */
export type OAuthTokenEventKind = OAuthEventKind | 'refreshed' | 'client_invalid';

/** Options for {@link createOAuthTokenProvider}. */
export interface OAuthTokenProviderOptions extends OAuthLockSettings {
  db: Db;
  /** Decrypts the stored pair and encrypts every pair it saves (`TOKEN_ENCRYPTION_KEY`). */
  tokens: TokenCipher;
  /** One node or a Redis Cluster (the lock is one key). */
  redis: Redis | Cluster;
  /** Redis key prefix (the lock is `<prefix>:oauth-refresh:{locationId}`). */
  prefix: string;
  locationId: string;
  clientId: string;
  clientSecret: string;
  /** Base URL of `POST /oauth/token` and `POST /oauth/reconnect` (ghl-api.md §5.1). */
  baseUrl: string;
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
 * - the refresh token is marked as sent before it leaves and is never sent again unless the
 *   answer proves GHL did not use it (`provesNotProcessed`); anything else after the request left
 *   (timeout, reset, 5xx, 429, a 2xx that cannot be read, a process that died before saving)
 *   leaves its outcome unknown;
 * - when a refresh is refused or its outcome is unknown, the install is recovered with GHL's
 *   Reconnect API (authorization code → new pair); only when that is refused too is the location
 *   marked as needing reconnection, with the reason. A holder checks its lease and the stored
 *   generation before it starts a recovery and reports one only when its pair was saved;
 * - refused client credentials (`oauth_client_invalid`) mark nothing and leave the stored pair as
 *   it is: they are the process's configuration problem, and fixing it heals every location.
 * Each step is logged, counted and recorded in `ghl.oauth_events`, never with a token.
 */
export function createOAuthTokenProvider(options: OAuthTokenProviderOptions): TokenProvider {
  const { refreshSkewMs: skew, lockTtlMs, timeoutMs, waitForOtherMs } = resolveOAuthLockSettings(options);
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

  /**
   * The app's client credentials were refused: a problem of this process's configuration, not of
   * the location. Nothing is marked and the stored pair stays as it is, so fixing the secret heals
   * every location; until then each refresh fails loudly.
   */
  const clientInvalid = (err: GhlSyncError): never => {
    count('client_invalid');
    logger.error(
      { code: err.code, status: err.details['status'] },
      'GHL refused the OAuth client credentials: check GHL_OAUTH_CLIENT_ID and GHL_OAUTH_CLIENT_SECRET; no location was marked',
    );
    throw err;
  };

  /**
   * Whether this holder may still act on the pair it read at `generation`. A holder paused past its
   * lease, or one whose pair another process replaced meanwhile, must not start a recovery or
   * report one.
   * @returns null when it may; else the token of the newer pair saved meanwhile.
   * @throws GhlSyncError `oauth_refresh_in_progress` (retryable) when the lease was lost and no newer
   *   pair is saved yet: the job retries and takes the lease again.
   */
  const newerPairOrLost = async (lease: Lease, generation: number): Promise<string | null> => {
    const current = await load();
    if (current.tokenGeneration !== generation) {
      logger.info({ generation }, 'another process saved a newer OAuth pair meanwhile: using it');
      return current.accessToken;
    }
    if (await lease.check()) return null;
    logger.warn({ generation }, 'OAuth refresh lock lost before its recovery: not recovering here; the job retries');
    throw new GhlSyncError(
      'oauth_refresh_in_progress',
      `lost the OAuth refresh lock of location ${locationId} before recovering its pair; the job retries`,
    );
  };

  /** Saves a pair if the credential is still at `generation`; otherwise keeps the newer one. */
  const save = async (generation: number, pair: OAuthTokenAnswer): Promise<{ token: string; saved: boolean }> => {
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
    if (saved) return { token: pair.accessToken, saved: true };
    logger.warn({ generation }, 'OAuth pair arrived after a newer one was saved: discarded');
    await record('stale_pair_discarded', `a pair for generation ${generation} arrived after a newer one was saved`);
    return { token: (await load()).accessToken, saved: false };
  };

  /** Re-authorises the install with the Reconnect API and saves the new pair (ghl-api.md §5.1 [C S17]). */
  const reconnect = async (lease: Lease, generation: number, why: string): Promise<string> => {
    const newer = await newerPairOrLost(lease, generation);
    if (newer !== null) return newer;
    let pair: OAuthTokenAnswer;
    try {
      const { authorizationCode } = await reconnectOAuth({ ...client, locationId });
      pair = await exchangeAuthorizationCode({ ...client, code: authorizationCode, userType: 'Location' });
    } catch (err) {
      if (isGhlSyncError(err, 'oauth_client_invalid')) return clientInvalid(err);
      if (isGhlSyncError(err, 'oauth_reconnect_failed') || isGhlSyncError(err, 'oauth_code_refused')) {
        // A pair saved by someone else meanwhile makes the refusal moot: never mark a healed location.
        const healed = await newerPairOrLost(lease, generation);
        if (healed !== null) return healed;
        const reason = `${why}; ${err.message}`;
        await markLocationNeedsReconnect(db, locationId, reason);
        await record('reconnect_refused', reason);
        logger.error({ code: err.code }, 'OAuth reconnect refused: location marked as needing reconnection');
        throw new GhlSyncError('oauth_refresh_failed', reason, { details: err.details, cause: err });
      }
      // Unknown or transient: asking the Reconnect API again gives a new code, so the job retries.
      throw err;
    }
    const { token, saved } = await save(generation, pair);
    // A refused save is recorded as `stale_pair_discarded` only: this holder recovered nothing.
    if (!saved) return token;
    await record('reconnected', why);
    logger.warn({ why }, 'OAuth install recovered with the Reconnect API; new pair saved');
    return token;
  };

  /** Under the lease: refresh once, or recover when the refresh token is spent or its fate unknown. */
  const refreshUnderLease = async (staleToken: string, lease: Lease): Promise<string> => {
    const location = await load();
    if (location.accessToken !== staleToken) return location.accessToken;
    const generation = location.tokenGeneration;
    if (!location.refreshToken) return reconnect(lease, generation, 'no refresh token is stored');
    if (location.refreshSentGeneration === generation) {
      const why = 'an earlier refresh was sent and its new pair never saved (answer lost or process stopped)';
      await record('refresh_outcome_unknown', why);
      return reconnect(lease, generation, why);
    }
    if (!(await markRefreshSent(db, locationId, generation))) return (await load()).accessToken;
    let pair: OAuthTokenAnswer;
    try {
      pair = await refreshOAuthToken({ ...client, refreshToken: location.refreshToken, userType: 'Location' });
    } catch (err) {
      if (provesNotProcessed(err)) {
        // GHL never used the token (the request did not reach it, or it refused the client first).
        await clearRefreshSent(db, locationId, generation);
        if (isGhlSyncError(err, 'oauth_client_invalid')) return clientInvalid(err);
        throw err;
      }
      if (isGhlSyncError(err, 'oauth_refresh_failed')) {
        await record('refresh_refused', err.message);
        logger.warn(
          { code: err.code, status: err.details['status'] },
          'OAuth refresh refused: trying the Reconnect API',
        );
        return reconnect(lease, generation, err.message);
      }
      // Anything else happened after the request left (timeout, reset, 5xx, 429, a 2xx that
      // cannot be read): GHL may have used the token, so it is never sent again.
      const code = isGhlSyncError(err) ? err.code : 'internal_error';
      const newer = await newerPairOrLost(lease, generation);
      if (newer !== null) return newer;
      const why = `the refresh got no usable answer (${code}); its token may be spent`;
      await record('refresh_outcome_unknown', why);
      logger.warn({ code }, 'OAuth refresh outcome unknown: not resending the token');
      return reconnect(lease, generation, why);
    }
    const { token, saved } = await save(generation, pair);
    if (saved) {
      count('refreshed');
      logger.info({ expiresInSec: pair.expiresInSec }, 'OAuth tokens refreshed and saved');
    }
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
          return await refreshUnderLease(staleToken, lease);
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

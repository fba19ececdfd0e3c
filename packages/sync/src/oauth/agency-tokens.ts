import type { Cluster, Redis } from 'ioredis';
import {
  clearAgencyRefreshSent,
  getAgency,
  getLocation,
  markAgencyNeedsReconnect,
  markAgencyRefreshSent,
  markLocationUninstalled,
  saveAgencyTokens,
  saveMintedLocationToken,
  type AgencyRecord,
  type Db,
  type LocationRecord,
} from '@ghl-sync/db';
import { GhlSyncError, isGhlSyncError } from '@ghl-sync/errors';
import {
  exchangeAuthorizationCode,
  mintLocationToken,
  provesNotProcessed,
  reconnectOAuth,
  refreshOAuthToken,
  type GhlRequestEvent,
  type MintedLocationToken,
  type OAuthTokenAnswer,
  type TokenProvider,
} from '@ghl-sync/ghl-client';
import type { TokenCipher } from '@ghl-sync/secrets';
import type { SyncLogger } from '../sync-deps.js';
import { resolveOAuthLockSettings, type OAuthLockSettings } from './oauth-lock-settings.js';
import { tryLease, type Lease } from './redis-lease.js';

/** What {@link AgencyTokensOptions.onEvent} counts. */
export type AgencyTokenEventKind =
  'agency_refreshed' | 'agency_reconnected' | 'agency_refresh_refused' | 'minted' | 'client_invalid';

/** Options of {@link createAgencyTokens}. */
export interface AgencyTokensOptions extends OAuthLockSettings {
  db: Db;
  /** Opens and seals the stored tokens (`TOKEN_ENCRYPTION_KEY`). */
  tokens: TokenCipher;
  redis: Redis | Cluster;
  /**
   * Redis key prefix. A location's mint takes `<prefix>:oauth-refresh:{<locationId>}`, the lock of
   * OAuth refreshes; an agency's refresh takes `<prefix>:oauth-refresh:{agency:<companyId>}`.
   */
  prefix: string;
  clientId: string;
  /** Never logged. */
  clientSecret: string;
  /** Base URL of GHL's OAuth endpoints (ghl-api.md §5). */
  baseUrl: string;
  onEvent?: (kind: AgencyTokenEventKind) => void;
  onRequest?: (event: GhlRequestEvent) => void;
  logger: SyncLogger;
}

/** Company tokens of agencies and the location tokens minted from them. */
export interface AgencyTokens {
  /**
   * A live Company token of the agency. Refreshed under the agency's lock when due, or when
   * `rejected` (a token GHL just refused) is still the stored one.
   * @throws GhlSyncError `agency_not_found`; `agency_needs_reconnect` when the refresh and the
   *   Reconnect API were refused; `oauth_client_invalid`; `oauth_refresh_in_progress` (retryable).
   */
  companyToken(agencyId: string, rejected?: string): Promise<string>;
  /**
   * Mints a Location token from the agency's Company token (`POST /oauth/locationToken`,
   * ghl-api.md §5.2), refreshing the Company token once if GHL refuses it with 401.
   * @throws GhlSyncError `oauth_mint_refused` (400: the app is not installed on the location), or
   *   what {@link companyToken} throws.
   */
  mint(agencyId: string, locationId: string): Promise<MintedLocationToken>;
  /** The token provider of an `agency` location: its minted token, minted again when due or refused. */
  locationProvider(locationId: string): TokenProvider;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether a token saved at `updatedAt` and expiring at `expiresAt` is due for renewal now. */
function dueWindowMs(expiresAt: Date, updatedAt: Date, skewMs: number): number {
  // A token that lives less than twice the skew would be "due" from the moment it is saved:
  // the window is at most half its lifetime (estimated from when it was saved).
  const lifetimeMs = expiresAt.getTime() - updatedAt.getTime();
  return lifetimeMs > 0 ? Math.min(skewMs, lifetimeMs / 2) : skewMs;
}

/**
 * Agency (Company) credentials, following the location refresh protocol of docs/oauth.md:
 * - a Company token's refresh token is single use like a location's: refreshes are serialised by
 *   a Redis lease per agency, marked as sent before they leave, saved with a compare-and-set on the
 *   generation, and never resent unless the answer proves GHL did not use them; a refused refresh
 *   or an unknown outcome is recovered with the Reconnect API (`companyId`), and only when that
 *   is refused too is the agency marked as needing a new install;
 * - a location token minted from it has no refresh token (ghl-api.md §5.2): when it is due (or GHL
 *   answers 401) it is minted again under the location's refresh lock, so however many workers
 *   find it stale at once, one mints and the others read the saved token.
 * Tokens and the client secret never reach a log line or an error.
 */
export function createAgencyTokens(options: AgencyTokensOptions): AgencyTokens {
  const { refreshSkewMs: skew, lockTtlMs, timeoutMs, waitForOtherMs } = resolveOAuthLockSettings(options);
  const { db } = options;
  const client = {
    baseUrl: options.baseUrl,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    timeoutMs,
    ...(options.onRequest && { onRequest: options.onRequest }),
  };
  const count = (kind: AgencyTokenEventKind): void => {
    try {
      options.onEvent?.(kind);
    } catch {
      // Metrics must never break a refresh.
    }
  };

  const loadAgency = async (agencyId: string): Promise<AgencyRecord> => {
    const agency = await getAgency(db, agencyId, options.tokens);
    if (!agency) throw new GhlSyncError('agency_not_found', `agency ${agencyId} has not installed the app`);
    if (agency.needsReconnect)
      throw new GhlSyncError(
        'agency_needs_reconnect',
        `agency ${agencyId} needs a new install: ${agency.reconnectReason ?? 'its Company token was refused'}`,
        { details: { agencyId } },
      );
    return agency;
  };

  const clientInvalid = (err: GhlSyncError, log: SyncLogger): never => {
    count('client_invalid');
    log.error(
      { code: err.code, status: err.details['status'] },
      'GHL refused the OAuth client credentials: check GHL_OAUTH_CLIENT_ID and GHL_OAUTH_CLIENT_SECRET; no agency was marked',
    );
    throw err;
  };

  /** Saves a Company pair if the agency is still at `generation`; otherwise returns the newer stored token. */
  const saveCompanyPair = async (agencyId: string, generation: number, pair: OAuthTokenAnswer): Promise<string> => {
    const saved = await saveAgencyTokens(
      db,
      agencyId,
      {
        accessToken: pair.accessToken,
        refreshToken: pair.refreshToken,
        expiresAt: new Date(Date.now() + pair.expiresInSec * 1000),
      },
      options.tokens,
      generation,
    );
    return saved ? pair.accessToken : (await loadAgency(agencyId)).accessToken;
  };

  /** Recovers the agency's install with the Reconnect API (ghl-api.md §5.1 [C S17]), under its lease. */
  const reconnectAgency = async (agencyId: string, lease: Lease, generation: number, why: string): Promise<string> => {
    const log = options.logger.child({ agencyId });
    const current = await loadAgency(agencyId);
    if (current.tokenGeneration !== generation) return current.accessToken;
    if (!(await lease.check()))
      throw new GhlSyncError(
        'oauth_refresh_in_progress',
        `lost the refresh lock of agency ${agencyId}; the job retries`,
      );
    let pair: OAuthTokenAnswer;
    try {
      const { authorizationCode } = await reconnectOAuth({ ...client, companyId: agencyId });
      pair = await exchangeAuthorizationCode({ ...client, code: authorizationCode, userType: 'Company' });
    } catch (err) {
      if (isGhlSyncError(err, 'oauth_client_invalid')) return clientInvalid(err, log);
      if (isGhlSyncError(err, 'oauth_reconnect_failed') || isGhlSyncError(err, 'oauth_code_refused')) {
        const reason = `${why}; ${err.message}`;
        await markAgencyNeedsReconnect(db, agencyId, reason);
        log.error({ code: err.code }, 'agency reconnect refused: agency marked as needing a new install');
        throw new GhlSyncError('agency_needs_reconnect', reason, { details: { agencyId }, cause: err });
      }
      throw err;
    }
    const token = await saveCompanyPair(agencyId, generation, pair);
    count('agency_reconnected');
    log.warn({ why }, 'agency install recovered with the Reconnect API; new Company pair saved');
    return token;
  };

  const refreshCompanyUnderLease = async (agencyId: string, stale: string, lease: Lease): Promise<string> => {
    const log = options.logger.child({ agencyId });
    const agency = await loadAgency(agencyId);
    if (agency.accessToken !== stale) return agency.accessToken;
    const generation = agency.tokenGeneration;
    if (agency.refreshSentGeneration === generation)
      return reconnectAgency(
        agencyId,
        lease,
        generation,
        'an earlier refresh was sent and its new pair never saved (answer lost or process stopped)',
      );
    if (!(await markAgencyRefreshSent(db, agencyId, generation))) return (await loadAgency(agencyId)).accessToken;
    let pair: OAuthTokenAnswer;
    try {
      pair = await refreshOAuthToken({ ...client, refreshToken: agency.refreshToken, userType: 'Company' });
    } catch (err) {
      if (provesNotProcessed(err)) {
        await clearAgencyRefreshSent(db, agencyId, generation);
        if (isGhlSyncError(err, 'oauth_client_invalid')) return clientInvalid(err, log);
        throw err;
      }
      if (isGhlSyncError(err, 'oauth_refresh_failed')) {
        count('agency_refresh_refused');
        log.warn({ code: err.code, status: err.details['status'] }, 'agency refresh refused: trying the Reconnect API');
        return reconnectAgency(agencyId, lease, generation, err.message);
      }
      const code = isGhlSyncError(err) ? err.code : 'internal_error';
      log.warn({ code }, 'agency refresh outcome unknown: not resending the token');
      return reconnectAgency(agencyId, lease, generation, `the refresh got no usable answer (${code})`);
    }
    const token = await saveCompanyPair(agencyId, generation, pair);
    count('agency_refreshed');
    log.info({ expiresInSec: pair.expiresInSec }, 'agency Company tokens refreshed and saved');
    return token;
  };

  /** Runs `work` under `key`'s lease once `stillStale` says the stored token is still the stale one. */
  const singleFlight = async (
    key: string,
    what: string,
    fresh: () => Promise<string | null>,
    work: (lease: Lease) => Promise<string>,
  ): Promise<string> => {
    const deadline = Date.now() + waitForOtherMs;
    for (;;) {
      const done = await fresh();
      if (done !== null) return done;
      const lease = await tryLease(options.redis, key, lockTtlMs);
      if (lease) {
        try {
          return await work(lease);
        } finally {
          await lease.release();
        }
      }
      if (Date.now() > deadline)
        throw new GhlSyncError('oauth_refresh_in_progress', `timed out waiting for another process to renew ${what}`);
      await sleep(100);
    }
  };

  const companyToken = async (agencyId: string, rejected?: string): Promise<string> => {
    const agency = await loadAgency(agencyId);
    const window = dueWindowMs(agency.tokenExpiresAt, agency.updatedAt, skew);
    const due = agency.tokenExpiresAt.getTime() - Date.now() < window;
    if (!due && agency.accessToken !== rejected) return agency.accessToken;
    const stale = agency.accessToken;
    return singleFlight(
      `${options.prefix}:oauth-refresh:{agency:${agencyId}}`,
      `the Company token of agency ${agencyId}`,
      async () => {
        const current = await loadAgency(agencyId);
        return current.accessToken !== stale ? current.accessToken : null;
      },
      (lease) => refreshCompanyUnderLease(agencyId, stale, lease),
    );
  };

  const mint = async (agencyId: string, locationId: string): Promise<MintedLocationToken> => {
    let token = await companyToken(agencyId);
    for (let attempt = 1; ; attempt++) {
      try {
        const minted = await mintLocationToken({ ...client, companyToken: token, companyId: agencyId, locationId });
        count('minted');
        return minted;
      } catch (err) {
        // A Company token GHL refuses (revoked, expired early) is refreshed once and the mint repeated.
        if (attempt === 1 && isGhlSyncError(err, 'oauth_mint_refused') && err.details['status'] === 401) {
          token = await companyToken(agencyId, token);
          continue;
        }
        throw err;
      }
    }
  };

  const loadLocation = async (locationId: string): Promise<LocationRecord> => {
    const location = await getLocation(db, locationId, options.tokens);
    if (!location) throw new GhlSyncError('location_not_found', `location ${locationId} is not registered`);
    if (location.uninstalledAt)
      throw new GhlSyncError('location_uninstalled', `location ${locationId} was uninstalled`, {
        details: { locationId },
      });
    if (!location.agencyId)
      throw new GhlSyncError('config_invalid', `location ${locationId} is minted from an agency but names none`);
    return location;
  };

  const remint = async (locationId: string, stale: string): Promise<string> => {
    const log = options.logger.child({ locationId });
    return singleFlight(
      `${options.prefix}:oauth-refresh:{${locationId}}`,
      `the token of location ${locationId}`,
      async () => {
        const current = await loadLocation(locationId);
        return current.accessToken !== stale ? current.accessToken : null;
      },
      async () => {
        const location = await loadLocation(locationId);
        if (location.accessToken !== stale) return location.accessToken;
        let minted: MintedLocationToken;
        try {
          minted = await mint(location.agencyId!, locationId);
        } catch (err) {
          if (isGhlSyncError(err, 'oauth_mint_refused') && err.details['status'] === 400) {
            // GHL no longer has the app on this location: it stops here, its rows stay.
            await markLocationUninstalled(db, locationId, `GHL refused to mint its token: ${err.message}`);
            log.warn({ code: err.code }, 'location token refused by GHL: location marked uninstalled');
            throw new GhlSyncError('location_uninstalled', `location ${locationId} is no longer installed`, {
              details: { locationId },
              cause: err,
            });
          }
          throw err;
        }
        const saved = await saveMintedLocationToken(
          db,
          locationId,
          { accessToken: minted.accessToken, expiresAt: new Date(Date.now() + minted.expiresInSec * 1000) },
          options.tokens,
          location.tokenGeneration,
        );
        if (!saved) return (await loadLocation(locationId)).accessToken;
        log.info({ expiresInSec: minted.expiresInSec }, 'location token minted from the agency and saved');
        return minted.accessToken;
      },
    );
  };

  return {
    companyToken,
    mint,
    locationProvider(locationId) {
      // Read from Postgres once and reused until due; a 401 goes through `refresh`.
      let cached: { token: string; dueAtMs: number } | null = null;
      return {
        async getAccessToken() {
          if (cached && Date.now() < cached.dueAtMs) return cached.token;
          cached = null;
          const location = await loadLocation(locationId);
          if (!location.tokenExpiresAt) return location.accessToken;
          const window = dueWindowMs(location.tokenExpiresAt, location.updatedAt, skew);
          const dueAtMs = location.tokenExpiresAt.getTime() - window;
          if (Date.now() >= dueAtMs) return remint(locationId, location.accessToken);
          cached = { token: location.accessToken, dueAtMs };
          return location.accessToken;
        },
        refresh(rejected) {
          cached = null;
          return remint(locationId, rejected);
        },
      };
    },
  };
}

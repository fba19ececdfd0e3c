import type { Cluster, Redis } from 'ioredis';
import {
  listAgencyLocations,
  getLocationSummary,
  markAgencyReconciled,
  markLocationUninstalled,
  upsertLocationIfUnchanged,
  type Db,
} from '@ghl-sync/db';
import { GhlSyncError, isGhlSyncError } from '@ghl-sync/errors';
import { listInstalledLocations, type GhlRequestEvent, type InstalledLocations } from '@ghl-sync/ghl-client';
import type { Queues } from '@ghl-sync/queues';
import type { TokenCipher } from '@ghl-sync/secrets';
import type { AgencyTokens } from '../oauth/agency-tokens.js';
import { tryLease } from '../oauth/redis-lease.js';
import { applySchedule } from '../reconcile-schedules.js';
import { startRun } from '../runs/start-run.js';
import type { SyncLogger } from '../sync-deps.js';

/** What {@link reconcileAgency} needs. */
export interface ReconcileAgencyDeps {
  db: Db;
  queues: Queues;
  redis: Redis | Cluster;
  /** Redis key prefix; the reconcile of one agency runs once at a time (`<prefix>:agency-reconcile:{<id>}`). */
  prefix: string;
  tokens: TokenCipher;
  agencyTokens: AgencyTokens;
  /** Base URL of GHL (ghl-api.md §0). */
  baseUrl: string;
  /** The marketplace app's id (`appId` of `GET /oauth/installedLocations`, ghl-api.md §5.2). */
  appId: string;
  /** @defaultValue 30_000 */
  timeoutMs?: number;
  /** Deadline of the first run of each new location, in ms (RUN_DEADLINE_MINUTES). */
  runDeadlineMs: number;
  /**
   * Schedule (cron, UTC) of each location registered here (AGENCY_SCHEDULE_CRON); null = none.
   * @defaultValue every 30 minutes
   */
  scheduleCron?: string | null;
  onRequest?: (event: GhlRequestEvent) => void;
  logger: SyncLogger;
}

/** What one reconcile did. */
export interface ReconcileAgencyResult {
  agencyId: string;
  /** Locations GHL lists as having the app. */
  installed: number;
  /** Registered now (new, or installed again after an uninstall), each with a first full run. */
  added: string[];
  /** Registered locations GHL no longer lists: marked uninstalled (rows kept, schedule removed). */
  removed: string[];
  /** Listed locations already registered with another credential (a PIT or their own install): left alone. */
  registeredOtherwise: string[];
  /** Another process was reconciling this agency: nothing done. */
  skipped?: 'in_progress';
}

/**
 * Makes ghl-sync's locations of an agency match where GHL says the app is installed
 * (`GET /oauth/installedLocations`, ghl-api.md §5.2): every listed location not registered yet
 * (or uninstalled before) gets a token minted from the Company token, is registered as an `agency`
 * location with `scheduleCron`, and gets its first full run; every registered location of
 * the agency GHL no longer lists is marked uninstalled (no schedule, no request, rows kept).
 * Run after an install, on an INSTALL webhook, and periodically, since GHL does not retry its
 * install webhook (ghl-api.md §6.3). One reconcile per agency at a time (a Redis lease).
 * @throws GhlSyncError from {@link AgencyTokens} (`agency_not_found`, `agency_needs_reconnect`…)
 *   or the GHL call (retryable codes make the job retry).
 */
export async function reconcileAgency(deps: ReconcileAgencyDeps, agencyId: string): Promise<ReconcileAgencyResult> {
  const log = deps.logger.child({ agencyId });
  const result: ReconcileAgencyResult = { agencyId, installed: 0, added: [], removed: [], registeredOtherwise: [] };
  const lease = await tryLease(deps.redis, `${deps.prefix}:agency-reconcile:{${agencyId}}`, 60_000);
  if (!lease) return { ...result, skipped: 'in_progress' };
  try {
    const listed = await listWithCompanyToken(deps, agencyId);
    result.installed = listed.locations.length;
    const listedIds = new Set(listed.locations.map((l) => l.id));
    for (const { id, name } of listed.locations) {
      const existing = await getLocationSummary(deps.db, id);
      if (existing && existing.authType !== 'agency' && !existing.uninstalledAt) {
        result.registeredOtherwise.push(id);
        continue;
      }
      if (existing && existing.agencyId === agencyId && !existing.uninstalledAt) continue;
      let minted;
      try {
        minted = await deps.agencyTokens.mint(agencyId, id);
      } catch (err) {
        // Uninstalled between the listing and the mint: the next reconcile sees it gone.
        if (isGhlSyncError(err, 'oauth_mint_refused') && err.details['status'] === 400) {
          log.warn({ locationId: id, code: err.code }, 'listed location refused a token: skipped');
          continue;
        }
        throw err;
      }
      // Fenced on what was read above: the location's own install (GET /oauth/callback) may have
      // saved its pair since, and an agency-minted token must never replace it.
      const location = await upsertLocationIfUnchanged(
        deps.db,
        {
          id,
          name,
          authType: 'agency',
          agencyId,
          accessToken: minted.accessToken,
          tokenExpiresAt: new Date(Date.now() + minted.expiresInSec * 1000),
          ...(deps.scheduleCron !== undefined && { scheduleCron: deps.scheduleCron, scheduleTz: 'UTC' }),
        },
        existing?.tokenGeneration ?? null,
        deps.tokens,
      );
      if (location === null) {
        const now = await getLocationSummary(deps.db, id);
        if (now && now.authType !== 'agency') result.registeredOtherwise.push(id);
        log.info({ locationId: id }, 'location registered by another path meanwhile: minted token not saved');
        continue;
      }
      await applySchedule(deps.queues, location);
      await startFirstRun(deps, id, log);
      result.added.push(id);
    }
    for (const location of await listAgencyLocations(deps.db, agencyId)) {
      if (location.uninstalledAt || listedIds.has(location.id)) continue;
      if (
        await markLocationUninstalled(
          deps.db,
          location.id,
          'GHL no longer lists the app as installed on it (agency reconcile)',
        )
      ) {
        await applySchedule(deps.queues, { ...location, uninstalledAt: new Date() });
        result.removed.push(location.id);
      }
    }
    await markAgencyReconciled(deps.db, agencyId, listed.installToFutureLocations);
    log.info(
      {
        installed: result.installed,
        added: result.added.length,
        removed: result.removed.length,
        registeredOtherwise: result.registeredOtherwise.length,
      },
      'agency installs reconciled',
    );
    return result;
  } finally {
    await lease.release();
  }
}

/** Lists installed locations, refreshing the Company token once when GHL refuses it (401). */
async function listWithCompanyToken(deps: ReconcileAgencyDeps, agencyId: string): Promise<InstalledLocations> {
  let token = await deps.agencyTokens.companyToken(agencyId);
  for (let attempt = 1; ; attempt++) {
    try {
      return await listInstalledLocations({
        baseUrl: deps.baseUrl,
        companyToken: token,
        companyId: agencyId,
        appId: deps.appId,
        timeoutMs: deps.timeoutMs,
        ...(deps.onRequest && { onRequest: deps.onRequest }),
      });
    } catch (err) {
      if (attempt === 1 && isGhlSyncError(err, 'oauth_mint_refused') && err.details['status'] === 401) {
        token = await deps.agencyTokens.companyToken(agencyId, token);
        continue;
      }
      throw err;
    }
  }
}

/** The first full run of a newly installed location; one already active is left to finish. */
async function startFirstRun(deps: ReconcileAgencyDeps, locationId: string, log: SyncLogger): Promise<void> {
  try {
    await startRun(
      { db: deps.db, queues: deps.queues, logger: deps.logger, runDeadlineMs: deps.runDeadlineMs },
      { locationId, trigger: 'install' },
    );
  } catch (err) {
    if (!isGhlSyncError(err, 'run_already_active')) throw err;
    log.info({ locationId }, 'first run not started: the location already has an active run');
  }
}

/** Thrown by callers that need an agency reconcile but have no app id configured. */
export function appIdRequired(): GhlSyncError {
  return new GhlSyncError(
    'config_invalid',
    'GHL_OAUTH_APP_ID is not configured: agency installs need the marketplace app id to list installed locations',
  );
}

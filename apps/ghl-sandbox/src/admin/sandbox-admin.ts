import { authorize, type AuthorizeRequest, type AuthorizeResult } from '../auth/authorize.js';
import type { OAuthInstall } from '../auth/token-registry.js';
import type { MutateRequest, MutateResult } from '../data/location-store.js';
import type { OpportunityRecord } from '../data/opportunity-record.js';
import { defaultKnobs, type SandboxKnobs } from '../knobs.js';
import type { LocationRuntime } from '../location-runtime.js';
import type { SandboxLocationSpec } from '../sandbox-options.js';
import { SandboxAdminError, type SandboxState } from '../sandbox-state.js';
import type { LocationStats } from '../stats.js';
import { serveRecord } from '../search/serve-record.js';
import type { WebhookPublicKeys } from '../webhooks/webhook-key-pairs.js';
import type { WebhookSettings } from '../webhooks/webhook-settings.js';
import type { WebhookStats } from '../webhooks/webhook-stats.js';
import { mergeKnobs } from './merge-knobs.js';

/** A location as the admin lists it. */
export interface SandboxLocationInfo {
  id: string;
  /** Its Private Integration Token (`pit-<uuid>`). */
  token: string;
  name: string;
  /** Number of generated base records (creates/deletes not included). */
  opportunities: number;
  /** The agency it belongs to. */
  companyId: string;
}

/** Options of {@link SandboxAdmin.installApp}. */
export interface InstallAppOptions {
  /** How many new locations to create under the agency with the app installed. */
  locations: number;
  /** Generated opportunities per new location. @defaultValue 0 */
  opportunities?: number;
}

/** Options of {@link SandboxAdmin.createOAuthInstall}. */
export interface OAuthInstallOptions {
  /** Access-token lifetime in seconds (GHL: "valid for a day", ghl-api.md §5.1). @defaultValue 86_399 */
  accessTokenTtlSec?: number;
}

/**
 * In-process control of a running sandbox. The HTTP admin surface under `/_sandbox/` offers the
 * same operations. Unknown locations throw a {@link SandboxAdminError} with statusCode 404.
 */
export interface SandboxAdmin {
  /** All locations with their PIT tokens. */
  listLocations(): SandboxLocationInfo[];
  /** Adds a location with `spec.opportunities` generated records. */
  createLocation(spec: SandboxLocationSpec): SandboxLocationInfo;
  /** Current (true, not index-lagged) state of one opportunity, or undefined. */
  getOpportunity(locationId: string, opportunityId: string): OpportunityRecord | undefined;
  /** Creates an opportunity: generated fields, createdAt/updatedAt = now, overridden by `input`. */
  createOpportunity(locationId: string, input?: OpportunityRecord): OpportunityRecord;
  /** Partial patch (shallow merge); bumps `updatedAt` to now. Throws 404 for unknown ids. */
  updateOpportunity(locationId: string, opportunityId: string, patch: OpportunityRecord): OpportunityRecord;
  /** Deletes an opportunity. Throws 404 for unknown ids. */
  deleteOpportunity(locationId: string, opportunityId: string): void;
  /** Deterministic random creates/updates/deletes; returns the affected ids. */
  mutate(locationId: string, request: MutateRequest): MutateResult;
  /** Every current opportunity (truth, no index lag), in default search order, as search returns it. */
  exportOpportunities(locationId: string): AsyncIterable<OpportunityRecord>;
  /** Current knobs of a location. */
  getKnobs(locationId: string): SandboxKnobs;
  /** Partial merge of knobs (top-level keys replace); returns the new knobs. */
  setKnobs(locationId: string, patch: Partial<SandboxKnobs>): SandboxKnobs;
  /** Back to all-off knobs; returns them. */
  resetKnobs(locationId: string): SandboxKnobs;
  /** Request counters of a location. */
  getStats(locationId: string): LocationStats;
  /**
   * When each request the limits admitted for a location arrived (epoch ms, in order) since the
   * last {@link resetStats}: at most the first 100,000. For timelines (which phase of a run used
   * the budget); in process only.
   */
  getAcceptedTimes(locationId: string): number[];
  /** Zeroes the counters (and `maxInAnyWindow`). */
  resetStats(locationId: string): void;
  /** Forgets burst-window and daily usage, as if a new day started with an empty window. */
  resetRateLimits(locationId: string): void;
  /** Creates an OAuth install for a location: a fresh access/refresh pair. */
  createOAuthInstall(locationId: string, options?: OAuthInstallOptions): OAuthInstall;
  /** Expires the location's (or agency's) current OAuth access tokens now; returns how many. */
  expireAccessToken(ownerId: string): number;
  /** Approves an install as the chooselocation page does: installs the app and issues a code. */
  authorize(request: AuthorizeRequest): AuthorizeResult;
  /** Creates `locations` new locations of an agency with the app installed on all of them at once. */
  installApp(companyId: string, options: InstallAppOptions): SandboxLocationInfo[];
  /** Removes the app from a location; returns whether it was installed. */
  uninstallApp(locationId: string): boolean;
  /** Location ids of an agency with the app installed. */
  installedLocations(companyId: string): string[];
  /** Refreshes of Company tokens, and spent Company refresh tokens sent again (sandbox-wide). */
  companyOAuthStats(): { refreshCalls: number; refreshReused: number };
  /**
   * Public keys of the sandbox's own webhook signing pairs (generated on first use): configure a
   * receiver with them. The private halves never leave the sandbox.
   */
  webhookKeys(): Promise<WebhookPublicKeys>;
  /** Current webhook delivery settings. */
  getWebhookSettings(): WebhookSettings;
  /** Partial merge of webhook settings (validated, 400 on a bad value); returns the new settings. */
  setWebhookSettings(patch: Partial<WebhookSettings>): WebhookSettings;
  /** Back to no URL and no faults; deliveries already scheduled still go out. */
  resetWebhookSettings(): WebhookSettings;
  /** Delivery counters since the last reset. */
  getWebhookStats(): WebhookStats;
  /** Zeroes the delivery counters (`pending` keeps counting deliveries under way). */
  resetWebhookStats(): void;
  /** Resolves once every scheduled delivery was answered or given up. */
  webhooksIdle(): Promise<void>;
}

function info(runtime: LocationRuntime): SandboxLocationInfo {
  return {
    id: runtime.id,
    token: runtime.token,
    name: runtime.name,
    opportunities: runtime.store.profile.count,
    companyId: runtime.companyId,
  };
}

/** Builds the in-process admin over a sandbox's state. */
export function createSandboxAdmin(state: SandboxState): SandboxAdmin {
  const loc = (id: string): LocationRuntime => state.location(id);
  return {
    listLocations: () => [...state.locations.values()].map(info),
    createLocation: (spec) => info(state.createLocation(spec)),
    getOpportunity: (locationId, id) => loc(locationId).store.get(id),
    createOpportunity: (locationId, input = {}) => loc(locationId).store.create(input, Date.now()),
    updateOpportunity: (locationId, id, patch) => {
      const updated = loc(locationId).store.update(id, patch, Date.now());
      if (updated === undefined) throw new SandboxAdminError(404, `unknown opportunity ${id}`);
      return updated;
    },
    deleteOpportunity: (locationId, id) => {
      if (!loc(locationId).store.delete(id, Date.now())) throw new SandboxAdminError(404, `unknown opportunity ${id}`);
    },
    mutate: (locationId, request) => loc(locationId).store.mutate(request, Date.now()),
    exportOpportunities: (locationId) => {
      const runtime = loc(locationId);
      return {
        async *[Symbol.asyncIterator]() {
          const view = runtime.store.truthView();
          let n = 0;
          for (const entry of view.entries(undefined, 'desc')) {
            yield serveRecord(entry);
            // Let the event loop breathe on 500k-record exports.
            n += 1;
            if (n % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
          }
        },
      };
    },
    getKnobs: (locationId) => structuredClone(loc(locationId).store.knobs),
    setKnobs: (locationId, patch) => {
      const runtime = loc(locationId);
      runtime.store.knobs = mergeKnobs(runtime.store.knobs, patch);
      runtime.knobsVersion += 1;
      return structuredClone(runtime.store.knobs);
    },
    resetKnobs: (locationId) => {
      const runtime = loc(locationId);
      runtime.store.knobs = defaultKnobs();
      runtime.knobsVersion += 1;
      return defaultKnobs();
    },
    getStats: (locationId) => {
      const runtime = loc(locationId);
      const s = runtime.stats;
      return {
        requests: s.requests,
        accepted: s.accepted,
        rejected429: s.rejected429,
        maxInAnyWindow: runtime.limiter.maxInAnyWindow,
        getOpportunityCalls: s.getOpportunityCalls,
        maxGetOpportunityInFlight: s.maxGetOpportunityInFlight,
        refreshCalls: s.refreshCalls,
        refreshReused: s.refreshReused,
        refreshAnswersLost: s.refreshAnswersLost,
        reconnectCalls: s.reconnectCalls,
        codeExchanges: s.codeExchanges,
        locationTokenMints: s.locationTokenMints,
        byStatus: { ...s.byStatus },
      };
    },
    getAcceptedTimes: (locationId) => [...loc(locationId).stats.acceptedAt],
    resetStats: (locationId) => {
      const runtime = loc(locationId);
      runtime.stats.reset();
      runtime.limiter.resetMax();
    },
    resetRateLimits: (locationId) => loc(locationId).resetRateLimits(),
    createOAuthInstall: (locationId, options = {}) => {
      const ttl = options.accessTokenTtlSec ?? 86_399;
      if (!(ttl > 0)) throw new SandboxAdminError(400, 'accessTokenTtlSec must be > 0');
      const runtime = loc(locationId);
      state.installs.install(runtime.companyId, [runtime.id]);
      return state.tokens.install(runtime.id, ttl, Date.now());
    },
    expireAccessToken: (ownerId) => {
      if (!state.locations.has(ownerId) && state.companyLocations(ownerId).length === 0)
        throw new SandboxAdminError(404, `unknown location or company ${ownerId}`);
      return state.tokens.expireAccess(ownerId, Date.now());
    },
    authorize: (request) => authorize(state, request, Date.now()),
    installApp: (companyId, options) => {
      if (!Number.isInteger(options.locations) || options.locations < 1 || options.locations > 10_000)
        throw new SandboxAdminError(400, 'locations must be an integer in 1..10000');
      const created = Array.from({ length: options.locations }, () =>
        state.createLocation({ opportunities: options.opportunities ?? 0, companyId }),
      );
      state.installs.install(
        companyId,
        created.map((l) => l.id),
      );
      return created.map(info);
    },
    uninstallApp: (locationId) => {
      const runtime = loc(locationId);
      return state.installs.uninstall(runtime.companyId, runtime.id);
    },
    installedLocations: (companyId) => state.installs.installed(companyId),
    companyOAuthStats: () => ({ ...state.companyOAuthStats }),
    webhookKeys: () => state.webhooks.publicKeys(),
    getWebhookSettings: () => state.webhooks.settings,
    setWebhookSettings: (patch) => state.webhooks.setSettings(patch),
    resetWebhookSettings: () => state.webhooks.resetSettings(),
    getWebhookStats: () => state.webhooks.stats,
    resetWebhookStats: () => state.webhooks.resetStats(),
    webhooksIdle: () => state.webhooks.idle(),
  };
}

import { AppInstalls } from './auth/app-installs.js';
import { TokenRegistry } from './auth/token-registry.js';
import { createLocationProfile } from './data/location-profile.js';
import { ALNUM, hash32, Prng } from './data/prng.js';
import { LocationRuntime, type RateLimitSettings } from './location-runtime.js';
import type { SandboxLocationSpec, SandboxLogger } from './sandbox-options.js';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher.js';

/** Resolved configuration shared by the routes and the admin. */
export interface SandboxConfig extends RateLimitSettings {
  seed: number;
  adminToken: string;
  oauthClient: { clientId: string; clientSecret: string };
  /** Marketplace app id (`appId` of `GET /oauth/installedLocations`, ghl-api.md §5.2). */
  appId: string;
  /** The agency every location belongs to unless created under another one. */
  companyId: string;
  /** Bits of the sandbox's RSA webhook signing key (GHL's has 4096, ghl-api.md §6.2). */
  webhookRsaModulusLength: number;
  logger: SandboxLogger;
}

/** Thrown by state/admin operations; `statusCode` is what the HTTP admin answers. */
export class SandboxAdminError extends Error {
  override readonly name = 'SandboxAdminError';
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** All locations and tokens of one running sandbox. */
export class SandboxState {
  readonly locations = new Map<string, LocationRuntime>();
  readonly tokens = new TokenRegistry();
  readonly installs = new AppInstalls();
  /** Refreshes of agencies' Company tokens (location refreshes are counted per location). */
  readonly companyOAuthStats = { refreshCalls: 0, refreshReused: 0 };
  /** Sends every change of a location as GHL's webhooks (off until a URL is set). */
  readonly webhooks: WebhookDispatcher;
  private ordinal = 0;

  constructor(readonly config: SandboxConfig) {
    this.webhooks = new WebhookDispatcher({
      seed: config.seed,
      rsaModulusLength: config.webhookRsaModulusLength,
      logger: config.logger,
    });
    // The app's own webhooks, one per location (marketplace.gohighlevel.com/docs/webhook/AppInstall
    // and AppUninstall): GHL's per-location shape for a bulk install is our inference.
    this.installs.onChange = ({ kind, companyId, locationId }) =>
      this.webhooks.emitApp(
        kind === 'install'
          ? {
              type: 'INSTALL',
              appId: config.appId,
              versionId: config.appId,
              installType: 'Location',
              locationId,
              companyId,
              userId: 'sandbox-user',
              planId: 'sandbox-plan',
              companyName: `Sandbox agency ${companyId}`,
            }
          : { type: 'UNINSTALL', appId: config.appId, versionId: config.appId, locationId },
      );
  }

  /** Adds a location; ids and tokens default to values derived from the seed and the ordinal. */
  createLocation(spec: SandboxLocationSpec): LocationRuntime {
    const ordinal = this.ordinal;
    this.ordinal += 1;
    const prng = new Prng(hash32(this.config.seed, ordinal, 0x10c));
    const id = spec.id ?? prng.chars(20, ALNUM);
    const token = spec.token ?? `pit-${prng.uuid()}`;
    const count = spec.opportunities;
    if (!Number.isInteger(count) || count < 0 || count > 50_000_000)
      throw new SandboxAdminError(400, 'opportunities must be an integer in 0..50000000');
    if (this.locations.has(id)) throw new SandboxAdminError(409, `location ${id} already exists`);
    if (this.tokens.has(token)) throw new SandboxAdminError(409, 'token already in use');
    const runtime = new LocationRuntime(
      id,
      spec.name ?? `Sandbox Location ${ordinal + 1}`,
      token,
      createLocationProfile(this.config.seed, id, count),
      this.config,
    );
    runtime.companyId = spec.companyId ?? this.config.companyId;
    runtime.store.onChange = (change) => this.webhooks.emit(id, change);
    this.locations.set(id, runtime);
    this.tokens.addPit(token, id);
    // An agency that installed the app "on future locations" gets it on this one too (§5.1).
    if (this.installs.installToFuture(runtime.companyId)) this.installs.install(runtime.companyId, [id]);
    return runtime;
  }

  /** Locations of an agency, in creation order. */
  companyLocations(companyId: string): LocationRuntime[] {
    return [...this.locations.values()].filter((l) => l.companyId === companyId);
  }

  /** The location or a 404 error. */
  location(id: string): LocationRuntime {
    const runtime = this.locations.get(id);
    if (runtime === undefined) throw new SandboxAdminError(404, `unknown location ${id}`);
    return runtime;
  }
}

import type { WebhookSettings } from './webhooks/webhook-settings.js';

/** A location to create at start-up or through the admin surface. */
export interface SandboxLocationSpec {
  /** Location id. @defaultValue a 20-char alnum id derived from the seed and the location's ordinal */
  id?: string;
  /** Its Private Integration Token. @defaultValue `pit-<uuid>` derived from the seed */
  token?: string;
  /** Number of generated opportunities (fixed for the location's lifetime). */
  opportunities: number;
  /** Display name. @defaultValue `Sandbox Location <n>` */
  name?: string;
  /** The agency it belongs to. @defaultValue the sandbox's `companyId` */
  companyId?: string;
}

/** pino-compatible logger (object first, message second). */
export interface SandboxLogger {
  info(o: object, m?: string): void;
  warn(o: object, m?: string): void;
  error(o: object, m?: string): void;
  debug(o: object, m?: string): void;
}

/** Options of {@link startSandbox}. */
export interface SandboxOptions {
  /** TCP port. @defaultValue 0 = random free port */
  port?: number;
  /** Interface to bind. @defaultValue '127.0.0.1' */
  host?: string;
  /** PRNG seed; same seed → byte-identical data. @defaultValue 1 */
  seed?: number;
  /** Either a count of generated locations (each with `opportunitiesPerLocation`) or explicit specs. @defaultValue 1 */
  locations?: number | SandboxLocationSpec[];
  /** Opportunities per generated location when `locations` is a count. @defaultValue 100 */
  opportunitiesPerLocation?: number;
  /** Burst limit per location: requests per sliding window. 0 = off. @defaultValue 100 */
  rateLimitMax?: number;
  /** Burst window length in ms. @defaultValue 10_000 */
  rateLimitIntervalMs?: number;
  /** Daily limit per location (UTC day). 0 = off. @defaultValue 200_000 */
  dailyLimit?: number;
  /** Bearer token for the admin surface. @defaultValue 'sandbox-admin' */
  adminToken?: string;
  /** OAuth app credentials accepted by POST /oauth/token. @defaultValue {clientId:'sandbox-client', clientSecret:'sandbox-secret'} */
  oauthClient?: { clientId: string; clientSecret: string };
  /** Marketplace app id. @defaultValue 'sandbox-app' */
  appId?: string;
  /** The agency (company) locations belong to by default. @defaultValue a 20-char id derived from the seed */
  companyId?: string;
  /**
   * Webhook delivery at start (a receiver URL, locations, delivery faults); change it later with
   * `admin.setWebhookSettings`. @defaultValue no URL: webhooks off
   */
  webhooks?: Partial<WebhookSettings>;
  /**
   * Bits of the sandbox's RSA key for `x-wh-signature`. GHL's key has 4096 (ghl-api.md §6.2);
   * 2048 signs several times faster. @defaultValue 4096
   */
  webhookRsaModulusLength?: number;
  /** Where the sandbox logs. @defaultValue silent */
  logger?: SandboxLogger;
}

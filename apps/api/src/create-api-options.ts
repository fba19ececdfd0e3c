import type { Db } from '@ghl-sync/db';
import type { Logger } from '@ghl-sync/logger';
import type { SyncMetrics } from '@ghl-sync/metrics';
import type { Queues } from '@ghl-sync/queues';
import type { Redis } from 'ioredis';
import type { TokenCipher } from '@ghl-sync/secrets';
import type { OAuthInstallSettings } from './routes/oauth-install.routes.js';
import type { WebhookIntakeSettings } from './routes/webhooks.routes.js';

/** Dependencies and settings of {@link createApi}. Everything is built by the caller and closed by it. */
export interface CreateApiOptions {
  /**
   * The admin credential (`ADMIN_TOKEN`). Required: without it `createApi` throws `config_invalid`
   * rather than serve an open admin API. Never logged.
   */
  adminToken: string | undefined;
  /**
   * Failed authentications one client address may make per window before every request from it
   * that needs the credential answers 429 `too_many_auth_failures` (`ADMIN_AUTH_MAX_FAILURES`).
   * @defaultValue `{ max: 10, windowMs: 60_000 }`
   */
  authFailureLimit?: { max: number; windowMs: number };
  /** Root logger; the HTTP layer logs through a child (`component: 'http'`) that never logs headers. */
  logger: Logger;
  /** Postgres handle (runs, pages, locations; `SELECT 1` for readiness). */
  db: Db;
  /** Producer queues: coordinator enqueue, schedulers, Bull Board. */
  queues: Queues;
  /** The Redis connection the queues use; `/ready` sends it PING. */
  redis: Pick<Redis, 'ping'>;
  /** Metrics served at `/metrics` (open, like `/health`); `webhookEvents` counts webhook deliveries. */
  metrics: Pick<SyncMetrics, 'registry'> & Partial<Pick<SyncMetrics, 'webhookEvents'>>;
  /** Settings of `POST /webhooks/ghl`. @defaultValue the config defaults (GHL's published RSA key, no Ed25519 key) */
  webhooks?: Partial<WebhookIntakeSettings>;
  /**
   * Cron pattern a location's 30-minute default schedule becomes when `PATCH /api/locations/:id`
   * turns its webhooks on (`WEBHOOK_SCHEDULE_CRON`). @defaultValue '0 *\/6 * * *' (every 6 h)
   */
  webhookScheduleCron?: string;
  /**
   * The marketplace app, for `GET /oauth/install` and `GET /oauth/callback` (and the app id the
   * webhook intake accepts INSTALL / UNINSTALL for). Without client id, secret, redirect URI and
   * `tokens` those routes answer 503. @defaultValue not configured
   */
  oauth?: Partial<OAuthInstallSettings> & { appId?: string | undefined };
  /** Seals the tokens an install callback stores (TOKEN_ENCRYPTION_KEY). @defaultValue none (installs answer 503) */
  tokens?: TokenCipher | undefined;
  /** A run started through the API is ended `timed_out` if still going after this many minutes. @defaultValue 60 */
  runDeadlineMinutes?: number;
  /**
   * When set, `/metrics` needs `Authorization: Bearer <metricsToken>` (`METRICS_TOKEN`); otherwise it is open.
   */
  metricsToken?: string;
  /**
   * Node's `requestTimeout` of the server: how long a request may take to arrive in full, in ms
   * (`API_REQUEST_TIMEOUT_MS`). @defaultValue 30_000
   */
  requestTimeoutMs?: number;
  /** How long `/ready` waits for each of Redis and Postgres before calling it down, in ms. @defaultValue 2_000 */
  readinessTimeoutMs?: number;
  /**
   * Bull Board without retry/clean/remove/promote buttons. Runs are driven by the coordinator and
   * the finalizer; moving their jobs by hand can leave a run inconsistent. @defaultValue true
   */
  dashboardReadOnly?: boolean;
  /**
   * A server span per request (`@fastify/otel`), continuing a caller's W3C `traceparent`; the
   * probes and `/metrics` are left out. Spans go to the registered tracer provider. @defaultValue false
   */
  tracing?: boolean;
}

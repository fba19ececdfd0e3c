import { createPublicKey } from 'node:crypto';
import { z } from 'zod';
import { redisClusterNodes } from './redis-cluster-nodes.js';

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const ratio = () => z.coerce.number().min(0).max(1);
const bool = () =>
  z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
/** 32 random bytes in base64 (standard or URL-safe): an AES-256 key. */
const isKey = (v: string) => /^[A-Za-z0-9+/_-]+={0,2}$/.test(v) && Buffer.from(v, 'base64').length === 32;
const KEY_PROBLEM = 'must be 32 random bytes in base64; make one with `openssl rand -base64 32`';
const optionalSecret = () =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === '' ? undefined : v));

/** A PEM public key; `\\n` escapes (one-line env files) become newlines. Its value never appears in an error. */
const publicKeyPem = (kind: 'ed25519' | 'rsa') =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === '' ? undefined : v.replace(/\\n/g, '\n')))
    .refine(
      (v) => {
        if (v === undefined) return true;
        try {
          return createPublicKey(v).asymmetricKeyType === kind;
        } catch {
          return false;
        }
      },
      { message: `is not a PEM ${kind === 'rsa' ? 'RSA' : 'Ed25519'} public key` },
    );

/**
 * Every environment variable ghl-sync reads, with its default and unit. The README's configuration
 * table is generated from the `description` of each entry (see `describeConfig`).
 */
export const configShape = {
  DATABASE_URL: z
    .string()
    .url()
    .default('postgres://postgres@127.0.0.1:5432/ghl_sync')
    .describe('PostgreSQL connection URL; `ghl-sync db migrate` creates the database if missing.'),
  DATABASE_POOL_MAX: int(1, 200).default(10).describe('Connections per process in the pg pool.'),
  REDIS_URL: z
    .string()
    .url()
    .default('redis://127.0.0.1:6379')
    .describe(
      'Redis (one node) for BullMQ queues, the shared rate limiter and the OAuth lock; `rediss://` for TLS. Not with REDIS_CLUSTER_NODES.',
    ),
  REDIS_CLUSTER_NODES: redisClusterNodes().describe(
    'A Redis Cluster instead of REDIS_URL: comma-separated seed nodes `host:port` (or `rediss://[user:password@]host:port` for TLS and AUTH, the same on every node; secret when it holds a password). Queue keys are then hash-tagged `{QUEUE_PREFIX}`: see docs/redis-cluster.md.',
  ),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/)
    .default('ghl-sync')
    .describe('BullMQ key prefix; give each deployment (and each test) its own.'),
  GHL_BASE_URL: z
    .string()
    .url()
    .default('https://services.leadconnectorhq.com')
    .describe('GHL API v2 base URL (ghl-api.md §0); the demo points it at the sandbox.'),
  GHL_TIMEOUT_MS: int(100, 600_000)
    .default(30_000)
    .describe('Per-attempt HTTP timeout to GHL, in ms (the official SDK uses 30 s).'),
  GHL_MAX_ATTEMPTS: int(1, 20)
    .default(5)
    .describe('Attempts per GHL request for 5xx, timeouts and resets (first included).'),
  GHL_PAGE_SIZE: int(1, 100).default(100).describe('Opportunities per search page; GHL allows at most 100.'),
  GHL_TOKEN: optionalSecret().describe(
    'Token `ghl-sync locations add` registers when no --token-stdin / --token-file is given (secret; keeps it off the command line).',
  ),
  GHL_REFRESH_TOKEN: optionalSecret().describe(
    'OAuth refresh token `ghl-sync locations add` registers with GHL_TOKEN, making an OAuth location (secret).',
  ),
  GHL_OAUTH_CLIENT_ID: optionalSecret().describe('Marketplace app client id, needed for OAuth locations.'),
  GHL_OAUTH_CLIENT_SECRET: optionalSecret().describe('Marketplace app client secret (secret; never logged).'),
  GHL_OAUTH_APP_ID: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === '' ? undefined : v))
    .describe(
      "Marketplace app id (the app's page in the developer portal), needed for agency installs: it lists where the app is installed (`GET /oauth/installedLocations`).",
    ),
  GHL_OAUTH_REDIRECT_URI: z
    .string()
    .url()
    .optional()
    .describe(
      "The app's redirect URI: the API's `/oauth/callback` as GHL's browsers reach it (e.g. `https://sync.example.com/oauth/callback`); the same value as in the app's settings. Needed for `GET /oauth/install`.",
    ),
  GHL_OAUTH_SCOPES: z
    .string()
    .min(1)
    .default('opportunities.readonly locations.readonly oauth.readonly oauth.write')
    .describe('Scopes the install link asks for (space-separated; ghl-api.md §5.1–5.2).'),
  GHL_MARKETPLACE_URL: z
    .string()
    .url()
    .default('https://marketplace.gohighlevel.com')
    .describe(
      'Where `GET /oauth/install` sends the browser (`/oauth/chooselocation`, ghl-api.md §5.1); `https://marketplace.leadconnectorhq.com` for white-label, the sandbox URL against the sandbox.',
    ),
  OAUTH_INSTALL_STATE_TTL_S: int(30, 86_400)
    .default(600)
    .describe('How long an install link stays usable, in s: its `state` is refused at the callback after that.'),
  AGENCY_SCHEDULE_CRON: z
    .string()
    .min(1)
    .default('*/30 * * * *')
    .describe(
      'Full-sync schedule (cron, UTC) given to each location an agency install registers; `off` registers them without one.',
    ),
  AGENCY_RECONCILE_INTERVAL_MS: int(10_000)
    .default(3_600_000)
    .describe(
      "How often workers compare each agency's registered locations with where GHL says the app is installed, in ms (GHL does not retry its INSTALL webhook).",
    ),
  RATE_LIMIT_MAX: int(1).default(100).describe('Requests GHL allows per location per interval (X-RateLimit-Max).'),
  RATE_LIMIT_INTERVAL_MS: int(100)
    .default(10_000)
    .describe('GHL burst window in ms (X-RateLimit-Interval-Milliseconds).'),
  RATE_LIMIT_SAFETY_MARGIN: ratio()
    .default(0.05)
    .describe(
      'Share of the burst budget ghl-sync leaves unused: at most 95 of 100 requests in any 10 s window by default.',
    ),
  RATE_LIMIT_DAILY: int(0).default(200_000).describe('Requests GHL allows per location per day; 0 = not tracked.'),
  RATE_LIMIT_MAX_WAIT_MS: int(0)
    .default(15 * 60_000)
    .describe(
      "How long a page job may wait in total for its location's budget before failing with `rate_limited_too_long`, in ms.",
    ),
  WORKER_CONCURRENCY: int(1, 500).default(8).describe('Page jobs one worker process runs at once.'),
  COORDINATOR_CONCURRENCY: int(1, 100)
    .default(16)
    .describe(
      "Coordinator jobs (locations in pass 1) one worker process runs at once; they mostly wait for their location's rate budget, so this can be high.",
    ),
  SWEEP_MAX_DELETE_RATIO: ratio()
    .default(0.1)
    .describe("Largest share of a location's live rows one sweep may tombstone without `--allow-mass-delete`."),
  SWEEP_TOTAL_TOLERANCE: ratio()
    .default(0.02)
    .describe(
      'Allowed relative gap between distinct ids listed and `meta.total` of the first page before the sweep is refused.',
    ),
  SWEEP_TOTAL_TOLERANCE_ABS: int(0)
    .default(3)
    .describe(
      'Allowed absolute gap (records) between distinct ids listed and `meta.total`, so small locations are not blocked by one change during pass 1.',
    ),
  SWEEP_VERIFY_MAX: int(0)
    .default(500)
    .describe(
      'Most sweep candidates (live rows pass 1 did not see) a run confirms one by one with `GET /opportunities/{id}` before tombstoning; above it the guards alone decide. 0 = never verify.',
    ),
  SWEEP_VERIFY_BUDGET_SHARE: ratio()
    .default(0.01)
    .describe(
      "Largest share of a location's daily budget (`RATE_LIMIT_DAILY`) one sweep's verification may spend; lowers `SWEEP_VERIFY_MAX` when smaller.",
    ),
  SWEEP_VERIFY_CONCURRENCY: int(1, 64)
    .default(16)
    .describe(
      "Most `GET /opportunities/{id}` a sweep's verification has in flight at once; the number used follows GHL's measured answer time, as pass 1's chains do, and every GET waits for the location's rate budget. 1 = one at a time.",
    ),
  LISTING_MAX_CHAINS: int(1, 64)
    .default(16)
    .describe(
      "Most cursor chains pass 1 runs at once over disjoint partitions (pipelines, stages, statuses); the number used follows GHL's measured answer time. 1 = always one chain.",
    ),
  LISTING_MIN_CHAINS: int(1, 64)
    .default(1)
    .describe(
      'Fewest cursor chains pass 1 uses, whatever the answer time (partitions are still checked for completeness).',
    ),
  TOMBSTONE_RETENTION_DAYS: int(1)
    .default(90)
    .describe(
      'Tombstoned opportunities and stored webhook events older than this many days are purged by the maintenance job.',
    ),
  RUN_RECOVERY_INTERVAL_MS: int(1_000)
    .default(60_000)
    .describe(
      'How often the maintenance job looks for runs past their deadline or whose jobs vanished, in ms; runs younger than twice this are left alone. Each worker also checks this often that the maintenance schedulers are still in Redis (a Redis that came back empty) and puts them back.',
    ),
  RUN_DEADLINE_MINUTES: int(1)
    .default(60)
    .describe('A run still going after this many minutes is cancelled with status `timed_out`.'),
  GHL_WEBHOOK_ED25519_PUBLIC_KEY: publicKeyPem('ed25519').describe(
    'PEM Ed25519 public key GHL signs webhooks with (`x-ghl-signature`), from its Webhook Integration Guide; unset = only legacy signatures can be checked.',
  ),
  GHL_WEBHOOK_RSA_PUBLIC_KEY: publicKeyPem('rsa').describe(
    "PEM RSA public key of legacy webhook signatures (`x-wh-signature`); unset = GHL's published 4096-bit key (docs/webhooks.md).",
  ),
  GHL_WEBHOOK_ACCEPT_LEGACY_SIGNATURE: bool()
    .default(true)
    .describe(
      'Accept webhooks signed only with the legacy RSA `x-wh-signature`; turn off once GHL has retired it (docs/webhooks.md).',
    ),
  WEBHOOK_MAX_AGE_S: int(1)
    .default(4_200)
    .describe(
      "Webhooks whose `timestamp` is older than this many seconds, or as far in the future, are refused; the default covers GHL's six 429 retries ~10 min apart.",
    ),
  WEBHOOK_BODY_LIMIT_BYTES: int(1_024, 10 * 1024 * 1024)
    .default(256 * 1024)
    .describe('Largest webhook body `POST /webhooks/ghl` accepts, in bytes; a larger one is answered 413.'),
  WEBHOOK_DEBOUNCE_MS: int(0, 60_000)
    .default(500)
    .describe('Webhooks for one opportunity within this many ms are applied with one `GET /opportunities/{id}`.'),
  /**
   * Most of a location's request budget webhook re-reads (`GET /opportunities/{id}` of record jobs)
   * may take while a full sync of that location is running; outside a sync they may use all of it.
   * The default 0.2 keeps at least 80 % of the budget for the sync, so a burst of webhooks makes it
   * take at most 1 / 0.8 = 1.25× as long as alone (the goal), and carries 0.2 × 9.2 ≈ 1.8
   * re-reads/s on distinct opportunities at GHL's 100 per 10 s. 1 = no cap (records then take the
   * whole budget ahead of page jobs). Enforced by the shared rate limiter, docs/rate-limits.md.
   */
  RECORD_BUDGET_SHARE: z.coerce
    .number()
    .gt(0)
    .max(1)
    .default(0.2)
    .describe(
      "Most of a location's request budget webhook re-reads may take while a full sync of it runs (the sync keeps the rest; outside a sync they may use all of it), in (0, 1]; 1 = no cap (docs/rate-limits.md).",
    ),
  WEBHOOK_SCHEDULE_CRON: z
    .string()
    .min(1)
    .default('0 */6 * * *')
    .describe(
      'Default full-sync schedule of a location registered with `--webhooks` (the full run reconciles what webhooks missed).',
    ),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('pino log level.'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto').describe('`auto` = pretty on a TTY, JSON otherwise.'),
  ADMIN_TOKEN: optionalSecret().describe(
    'Admin credential for the API and the dashboard (secret; at least 32 characters, e.g. `openssl rand -base64 32`); the API refuses to start without it.',
  ),
  TOKEN_ENCRYPTION_KEY: optionalSecret()
    .refine((v) => v === undefined || isKey(v), KEY_PROBLEM)
    .describe(
      'Key the stored GHL tokens are encrypted under (AES-256-GCM; 32 bytes in base64, e.g. `openssl rand -base64 32`; secret). Required by workers, `locations add`, `keys rotate`, and `db migrate` when plaintext tokens remain; the API does not need it. Losing it loses every stored token: see docs/security.md.',
    ),
  TOKEN_ENCRYPTION_PREVIOUS_KEYS: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((k) => k.trim())
        .filter((k) => k !== ''),
    )
    .refine((keys) => keys.every(isKey), `every comma-separated key ${KEY_PROBLEM}`)
    .describe(
      'Comma-separated keys that only decrypt: the old key while `ghl-sync keys rotate` re-encrypts every token under TOKEN_ENCRYPTION_KEY (secret).',
    ),
  ADMIN_AUTH_MAX_FAILURES: int(1, 10_000)
    .default(10)
    .describe(
      'Failed admin authentications one client address may make per minute; past that, the API answers it 429 until the minute ends.',
    ),
  API_PORT: int(0, 65_535).default(3000).describe('Port of the admin API and Bull Board.'),
  API_HOST: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .describe(
      'Interface the admin API listens on: this host only by default; `0.0.0.0` (every interface) in a container or behind a proxy.',
    ),
  API_REQUEST_TIMEOUT_MS: int(1_000)
    .default(30_000)
    .describe(
      "Node's `requestTimeout` of the API's HTTP server: how long a request may take to arrive in full, in ms.",
    ),
  METRICS_TOKEN: optionalSecret().describe(
    'When set, `/metrics` (API and workers) needs `Authorization: Bearer <METRICS_TOKEN>`; open otherwise (secret).',
  ),
  WORKER_METRICS_HOST: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .describe(
      "Interface a worker's /metrics, /health and /ready listen on: this host only by default; `0.0.0.0` in a container so probes and scrapers reach it.",
    ),
  WORKER_METRICS_PORT: int(0, 65_535)
    .default(9464)
    .describe(
      "Port of a worker process's /metrics; 0 = a free port. When it is taken (a second worker on the host), the worker serves on a free port and logs which.",
    ),
  WORKER_MAX_OLD_SPACE_MB: int(0, 65_536)
    .default(128)
    .describe(
      "V8 old-space cap of a `ghl-sync worker` process, in MB (`--max-old-space-size`); 0 = V8's own limit. Without a cap V8 lets garbage pile up (a worker reached ~250 MB RSS); with 128 a worker peaks at 160–165 MB at 50,000 and 500,000 opportunities at the same speed (BENCHMARKS.md, memory). A cap already in `NODE_OPTIONS` wins.",
    ),
  JOB_LOCK_MS: int(1_000)
    .default(30_000)
    .describe(
      'BullMQ job lock and stalled-check interval, in ms. A job whose worker died (SIGKILL, lost host) goes back to the queue once its lock has expired and the stalled check, which runs every JOB_LOCK_MS and needs two passes, has found it: up to about twice this long after the death (36–66 s were seen with 30000).',
    ),
  SHUTDOWN_GRACE_MS: int(0)
    .default(30_000)
    .describe('How long active jobs may run after SIGTERM before the process exits anyway, in ms.'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .string()
    .url()
    .optional()
    .describe(
      'OpenTelemetry collector base URL (e.g. `http://127.0.0.1:4318`); traces go to its `/v1/traces` over OTLP/HTTP. Unset = tracing off (docs/observability.md).',
    ),
  OTEL_EXPORTER_OTLP_PROTOCOL: z
    .enum(['http/protobuf', 'http/json'])
    .default('http/protobuf')
    .describe(
      'OTLP encoding of exported traces: `http/protobuf` or `http/json`, both over OTLP/HTTP; gRPC is not offered (every collector and Jaeger accept OTLP/HTTP).',
    ),
  OTEL_EXPORTER_OTLP_HEADERS: optionalSecret().describe(
    'Headers sent with every export, `key=value` pairs separated by commas (a vendor API key; secret).',
  ),
  OTEL_EXPORTER_OTLP_CERTIFICATE: z
    .string()
    .min(1)
    .optional()
    .describe(
      "Path of a PEM file of the CA(s) that sign an `https://` collector's certificate; they replace Node's default CAs for the exporter.",
    ),
  OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: z
    .string()
    .min(1)
    .optional()
    .describe('Path of the PEM client certificate chain for an `https://` collector that asks for mTLS.'),
  OTEL_EXPORTER_OTLP_CLIENT_KEY: z
    .string()
    .min(1)
    .optional()
    .describe('Path of the PEM private key of `OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE` (mTLS).'),
  OTEL_SERVICE_NAME: z
    .string()
    .min(1)
    .optional()
    .describe('`service.name` of the spans; `ghl-sync-worker` / `ghl-sync-api` when unset.'),
  OTEL_TRACES_SAMPLER_ARG: ratio()
    .default(1)
    .describe(
      'Share of runs traced (0–1): a run is sampled or not as a whole, its page jobs follow the coordinator (parent-based trace-id ratio).',
    ),
  SCHEDULER_ENABLED: bool().default(true).describe('Whether worker processes reconcile location schedules at start.'),
  EXIT_WITH_PARENT: bool()
    .default(false)
    .describe(
      'Shut a worker or API process down when the process that started it exits. Off, so a daemon outlives its shell (`nohup`); the demo and the test kit turn it on for the workers they spawn.',
    ),
} as const;

/** The zod schema over the environment. */
export const configSchema = z.object(configShape);

/** The validated, typed configuration. */
export type Config = Readonly<z.infer<typeof configSchema>>;

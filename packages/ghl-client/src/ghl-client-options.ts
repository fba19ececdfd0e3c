/**
 * Supplies the bearer token; for OAuth locations `refresh` is called on 401 "Invalid JWT".
 */
export interface TokenProvider {
  /** The access token to send now (a Private Integration Token or an OAuth access token). Called before every attempt. */
  getAccessToken(): Promise<string>;
  /**
   * Called once when GHL rejects `rejectedToken` as expired; resolves a fresh token (the caller serialises
   * refreshes) or throws GhlSyncError('oauth_refresh_failed'). Absent for Private Integration tokens.
   */
  refresh?(rejectedToken: string): Promise<string>;
}

/**
 * Shared rate budget (implemented elsewhere in Redis). Called for EVERY HTTP attempt, retries included.
 */
export interface RequestGate {
  /**
   * Resolves when one request for `locationId` may be sent now. Throws GhlSyncError `ghl_rate_limited`
   * (details.retryAfterMs) when the wait would exceed the caller's cap, `daily_quota_exhausted` when the day's
   * budget is spent (or `redis_error`) — the client then stops and rethrows it unchanged. `@ghl-sync/rate-limiter`
   * is the one real gate (its tests hold it to this); the client's tests use a recording spy.
   */
  acquire(locationId: string): Promise<void>;
  /** Feeds back what GHL said: status and lower-cased headers (X-RateLimit-*, Retry-After). */
  observe(locationId: string, response: { status: number; headers: Record<string, string | undefined> }): Promise<void>;
}

/** One HTTP attempt, reported to {@link GhlClientOptions.onRequest} (metrics). */
export interface GhlRequestEvent {
  /** Which endpoint was called. */
  endpoint:
    | 'search'
    | 'pipelines'
    | 'opportunity'
    | 'oauth_token'
    | 'oauth_reconnect'
    | 'oauth_location_token'
    | 'oauth_installed_locations';
  /** HTTP status, or why no status arrived. */
  status: number | 'timeout' | 'network_error';
  /** Wall time of this attempt in milliseconds, from sending (after the gate let it through) to the answer. */
  durationMs: number;
  /** 1-based attempt number within one client call (retries included). */
  attempt: number;
}

/** pino-compatible logger subset; object first, message second. */
export interface GhlClientLogger {
  debug(o: object, m?: string): void;
  info(o: object, m?: string): void;
  warn(o: object, m?: string): void;
  error(o: object, m?: string): void;
}

/** Options of {@link createGhlClient}. */
export interface GhlClientOptions {
  /** API root without a trailing slash. @defaultValue 'https://services.leadconnectorhq.com' (ghl-api.md §0) */
  baseUrl?: string;
  /** The sub-account (location) every request is made for. */
  locationId: string;
  /** Source of the bearer token (and of refreshed tokens for OAuth). */
  auth: TokenProvider;
  /** Per attempt, in milliseconds; each retry gets a fresh full timeout. @defaultValue 30_000 (official SDK, ghl-api.md §3) */
  timeoutMs?: number;
  /** Attempts for 5xx / timeouts / resets / invalid bodies, first included. @defaultValue 5 */
  maxAttempts?: number;
  /** Full-jitter exponential backoff base, in milliseconds. @defaultValue 500 */
  backoffBaseMs?: number;
  /** Full-jitter exponential backoff cap, in milliseconds. @defaultValue 30_000 */
  backoffMaxMs?: number;
  /** Attempts for 429 answers (each waits Retry-After or the interval header, via the gate), first included. @defaultValue 5 */
  maxRateLimitAttempts?: number;
  /** Shared per-location rate budget; without it the client sleeps on 429 by itself. */
  gate?: RequestGate;
  /** Receives a debug line per attempt (endpoint, status, duration, attempt; never the token). @defaultValue silent */
  logger?: GhlClientLogger;
  /** Called after every attempt (metrics). Exceptions it throws are ignored. */
  onRequest?: (event: GhlRequestEvent) => void;
}

/** Defaults of {@link GhlClientOptions}; see each field there for its source. */
export const GHL_CLIENT_DEFAULTS = {
  timeoutMs: 30_000,
  maxAttempts: 5,
  backoffBaseMs: 500,
  backoffMaxMs: 30_000,
  maxRateLimitAttempts: 5,
} as const;

/** A logger that drops everything (libraries fall back to it, style rule 8). */
export const SILENT_LOGGER: GhlClientLogger = { debug() {}, info() {}, warn() {}, error() {} };

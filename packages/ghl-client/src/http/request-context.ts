import type { InternalAxiosRequestConfig } from 'axios';
import type { GhlRequestEvent } from '../ghl-client-options.js';
import type { FailureKind } from '../retry-policy.js';

/** Returns a reason when a 2xx body is not the endpoint's documented envelope, else null. */
export type EnvelopeCheck = (body: unknown) => string | null;

/**
 * State of one client call across all its HTTP attempts. It rides on the axios config under
 * {@link CONTEXT_KEY}; being a class instance (not a plain object), axios' mergeConfig passes it by
 * reference when axios-retry re-sends the config, so counters survive retries.
 */
export class RequestContext {
  /** HTTP attempts actually sent (gate passed, token attached). */
  attempts = 0;
  /** Retries spent from the `maxAttempts` budget. */
  transientRetries = 0;
  /** Retries spent from the `maxRateLimitAttempts` budget. */
  rateLimitRetries = 0;
  /** True once `auth.refresh` was called for this call (at most once). */
  refreshed = false;
  /** Delay axios-retry should wait before the next attempt, set when the retry is decided. */
  nextDelayMs = 0;
  /** The wait GHL asked for on the last 429 (Retry-After / interval), for error details. */
  lastRateLimitWaitMs: number | undefined;
  /** The last failure classified, for logs. */
  lastFailureKind: FailureKind | undefined;
  /** performance.now() when the current attempt was sent. */
  attemptStartedAt = 0;
  // Private (#) so that no JSON.stringify / inspect of a config can reveal the token.
  #lastToken: string | undefined;
  #tokenOverride: string | undefined;
  #refreshPending = false;

  constructor(
    readonly endpoint: GhlRequestEvent['endpoint'],
    readonly checkEnvelope: EnvelopeCheck | undefined,
  ) {}

  /** The token sent with the latest attempt. */
  get lastToken(): string | undefined {
    return this.#lastToken;
  }

  set lastToken(token: string | undefined) {
    this.#lastToken = token;
  }

  /** A refreshed token to use instead of `auth.getAccessToken()` for the following attempts. */
  get tokenOverride(): string | undefined {
    return this.#tokenOverride;
  }

  set tokenOverride(token: string | undefined) {
    this.#tokenOverride = token;
  }

  /** Marks that the next retry must first refresh the token. */
  requestRefresh(): void {
    this.#refreshPending = true;
  }

  /** True (once) when a refresh was requested and not yet performed. */
  takeRefreshRequest(): boolean {
    const pending = this.#refreshPending;
    this.#refreshPending = false;
    return pending;
  }

  toJSON(): object {
    return { endpoint: this.endpoint, attempts: this.attempts };
  }
}

/** Key of the {@link RequestContext} on an axios request config. */
export const CONTEXT_KEY = 'ghlSyncContext';

type ConfigWithContext = { [CONTEXT_KEY]?: RequestContext };

/** The context attached to `config`, if any. */
export function getRequestContext(config: InternalAxiosRequestConfig | undefined): RequestContext | undefined {
  const ctx = (config as ConfigWithContext | undefined)?.[CONTEXT_KEY];
  return ctx instanceof RequestContext ? ctx : undefined;
}

/**
 * How a process renews OAuth tokens under the per-key Redis lock: the settings shared by a
 * location's refreshes ({@link createOAuthTokenProvider}) and an agency's refreshes and mints
 * ({@link createAgencyTokens}).
 */
export interface OAuthLockSettings {
  /**
   * Refresh this long before expiry (the official SDK uses 30 s); at most half the token's
   * lifetime. @defaultValue 60_000
   */
  refreshSkewMs?: number;
  /**
   * Lifetime of the lock. The holder renews it every third of this while it waits for GHL, so it
   * only expires when the holder is gone (or cut off from Redis). @defaultValue 30_000
   */
  lockTtlMs?: number;
  /** Timeout of each OAuth call (refresh, reconnect, code exchange, mint). @defaultValue 30_000 */
  timeoutMs?: number;
  /**
   * How long a process waits for another one's refresh, recovery or mint before its job is told to
   * try again later (`oauth_refresh_in_progress`). @defaultValue lockTtlMs + 3 × timeoutMs
   */
  waitForOtherMs?: number;
}

/** {@link OAuthLockSettings} with every default applied, in ms. */
export function resolveOAuthLockSettings(settings: OAuthLockSettings): Required<OAuthLockSettings> {
  const lockTtlMs = settings.lockTtlMs ?? 30_000;
  const timeoutMs = settings.timeoutMs ?? 30_000;
  return {
    refreshSkewMs: settings.refreshSkewMs ?? 60_000,
    lockTtlMs,
    timeoutMs,
    waitForOtherMs: settings.waitForOtherMs ?? lockTtlMs + 3 * timeoutMs,
  };
}

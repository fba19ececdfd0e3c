import type { AxiosError } from 'axios';
import { GhlSyncError, isGhlSyncError } from '@ghl-sync/errors';
import { fullJitterBackoffMs } from '../backoff.js';
import type { TokenProvider } from '../ghl-client-options.js';
import { dailyQuotaWaitMs, rateLimitWaitMs } from '../rate-limit-headers.js';
import { RETRY_POLICY } from '../retry-policy.js';
import { classifyFailure } from './classify-failure.js';
import type { GhlHttpSettings } from './create-ghl-http.js';
import { getRequestContext, type RequestContext } from './request-context.js';
import { lowerCaseHeaders } from './response-facts.js';

/** axios-retry's condition: looks the failure up in RETRY_POLICY and spends the matching budget. */
export function decideRetry(error: AxiosError, settings: GhlHttpSettings): boolean {
  const ctx = getRequestContext(error.config);
  if (ctx === undefined) return false;
  const kind = classifyFailure(error);
  ctx.lastFailureKind = kind;
  const rule = RETRY_POLICY[kind];
  if (kind === 'rate_limited') ctx.lastRateLimitWaitMs = rateLimitWaitMs(lowerCaseHeaders(error.response?.headers));
  if (kind === 'daily_quota_exhausted')
    ctx.lastRateLimitWaitMs = dailyQuotaWaitMs(lowerCaseHeaders(error.response?.headers));
  if (!rule.retried) return false;
  switch (rule.budget) {
    case 'maxAttempts':
      if (ctx.transientRetries + 1 >= settings.maxAttempts) return false;
      ctx.transientRetries += 1;
      ctx.nextDelayMs = fullJitterBackoffMs(ctx.transientRetries, settings.backoffBaseMs, settings.backoffMaxMs);
      return true;
    case 'maxRateLimitAttempts':
      if (ctx.rateLimitRetries + 1 >= settings.maxRateLimitAttempts) return false;
      ctx.rateLimitRetries += 1;
      // With a gate, observe() already paused the location and acquire() in the request interceptor waits.
      ctx.nextDelayMs = settings.gate !== undefined ? 0 : (ctx.lastRateLimitWaitMs ?? 0);
      return true;
    case 'once':
      if (settings.auth.refresh === undefined || ctx.refreshed) return false;
      ctx.refreshed = true;
      ctx.requestRefresh();
      ctx.nextDelayMs = 0;
      return true;
    default:
      return false;
  }
}

/** Calls `auth.refresh` with the rejected token; the fresh token is used for the rest of this call. */
export async function refreshToken(ctx: RequestContext, auth: TokenProvider): Promise<void> {
  const rejected = ctx.lastToken ?? '';
  try {
    ctx.tokenOverride = await auth.refresh!(rejected);
  } catch (err) {
    if (isGhlSyncError(err)) throw err;
    // A provider that broke its contract: keep only the message, the error may reference the token.
    throw new GhlSyncError('oauth_refresh_failed', 'token provider refresh failed', {
      details: { endpoint: ctx.endpoint, providerError: err instanceof Error ? err.name : typeof err },
    });
  }
}

import axios, { AxiosError, isAxiosError, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import axiosRetry from 'axios-retry';
import { isGhlSyncError } from '@ghl-sync/errors';
import { GHL_API_VERSION } from '../constants.js';
import { toGhlError } from '../errors/to-ghl-error.js';
import type { GhlClientLogger, GhlRequestEvent, RequestGate, TokenProvider } from '../ghl-client-options.js';
import { classifyFailure, INVALID_BODY_CODE } from './classify-failure.js';
import { decideRetry, refreshToken } from './decide-retry.js';
import { traceGhlRequest, traceRateLimitWait } from './ghl-spans.js';
import { CONTEXT_KEY, getRequestContext, RequestContext, type EnvelopeCheck } from './request-context.js';
import { lowerCaseHeaders, rateLimitHeaders } from './response-facts.js';

/** Resolved settings of {@link createGhlHttp} (defaults already applied). */
export interface GhlHttpSettings {
  baseUrl: string;
  locationId: string;
  auth: TokenProvider;
  timeoutMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  maxRateLimitAttempts: number;
  gate: RequestGate | undefined;
  logger: GhlClientLogger;
  onRequest: ((event: GhlRequestEvent) => void) | undefined;
}

/** A successful GHL answer plus how many HTTP attempts it took. */
export interface GhlHttpResult {
  data: unknown;
  status: number;
  attempts: number;
}

/** Sends one logical GHL request with the gate, auth, retries and error mapping applied. */
export interface GhlHttp {
  request(
    endpoint: GhlRequestEvent['endpoint'],
    config: AxiosRequestConfig,
    checkEnvelope?: EnvelopeCheck,
  ): Promise<GhlHttpResult>;
}

/**
 * Builds the axios instance behind a client. Wiring (order matters):
 * 1. request interceptor: `gate.acquire` → token → attempt counter. axios-retry re-sends a retry through
 *    `axiosInstance(config)`, i.e. through this interceptor again, so the gate sees EVERY attempt.
 * 2. response interceptor registered BEFORE axios-retry's, so it sees each attempt's raw outcome:
 *    `gate.observe`, `onRequest`, debug log, and the envelope check that turns a bad 2xx into a retryable error.
 * 3. axios-retry with a condition driven by RETRY_POLICY and per-kind budgets kept on the RequestContext.
 */
export function createGhlHttp(settings: GhlHttpSettings): GhlHttp {
  const { gate, logger, locationId, auth } = settings;
  const instance = axios.create({
    baseURL: settings.baseUrl,
    timeout: settings.timeoutMs,
    // Redirects are not part of the API; following one could forward the bearer token elsewhere.
    maxRedirects: 0,
    // ETIMEDOUT for timeouts instead of the ambiguous ECONNABORTED.
    transitional: { clarifyTimeoutError: true },
    headers: { Version: GHL_API_VERSION, Accept: 'application/json' },
  });

  instance.interceptors.request.use(async (config) => {
    const ctx = getRequestContext(config);
    if (ctx === undefined) return config;
    if (gate !== undefined) await traceRateLimitWait(locationId, () => gate.acquire(locationId));
    const token = ctx.tokenOverride ?? (await auth.getAccessToken());
    ctx.lastToken = token;
    config.headers.set('Authorization', `Bearer ${token}`);
    ctx.attempts += 1;
    ctx.attemptStartedAt = performance.now();
    return config;
  });

  const reportAttempt = async (
    ctx: RequestContext,
    status: GhlRequestEvent['status'],
    response: AxiosResponse | undefined,
  ): Promise<void> => {
    const durationMs = Math.round(performance.now() - ctx.attemptStartedAt);
    const event: GhlRequestEvent = { endpoint: ctx.endpoint, status, durationMs, attempt: ctx.attempts };
    logger.debug({ ...event, locationId }, 'ghl request');
    try {
      settings.onRequest?.(event);
    } catch {
      // Metrics must never break a sync.
    }
    if (gate !== undefined && response !== undefined) {
      try {
        await gate.observe(locationId, {
          status: response.status,
          headers: rateLimitHeaders(lowerCaseHeaders(response.headers)),
        });
      } catch (err) {
        // The answer itself is fine; losing one observation only makes the gate less precise.
        logger.warn(
          { locationId, endpoint: ctx.endpoint, err: isGhlSyncError(err) ? err.toJSON() : String(err) },
          'rate gate observe failed',
        );
      }
    }
  };

  instance.interceptors.response.use(
    async (response) => {
      const ctx = getRequestContext(response.config);
      if (ctx === undefined) return response;
      await reportAttempt(ctx, response.status, response);
      const reason = ctx.checkEnvelope?.(response.data) ?? null;
      if (reason !== null) {
        throw new AxiosError(reason, INVALID_BODY_CODE, response.config, response.request, response);
      }
      return response;
    },
    async (error: unknown) => {
      if (!isAxiosError(error)) throw error;
      const ctx = getRequestContext(error.config);
      if (ctx !== undefined) {
        const kind = classifyFailure(error);
        const status = error.response?.status ?? (kind === 'timeout' ? 'timeout' : 'network_error');
        await reportAttempt(ctx, status, error.response);
      }
      throw error;
    },
  );

  axiosRetry(instance, {
    // The real bounds are the per-kind budgets checked in retryCondition; this is only their sum.
    retries: settings.maxAttempts - 1 + (settings.maxRateLimitAttempts - 1) + 1,
    shouldResetTimeout: true,
    retryCondition: (error) => decideRetry(error, settings),
    retryDelay: (_retryCount, error) => getRequestContext(error.config)?.nextDelayMs ?? 0,
    onRetry: async (_retryCount, error, config) => {
      const ctx = getRequestContext(config as Parameters<typeof getRequestContext>[0]);
      if (ctx === undefined) return;
      logger.info(
        {
          locationId,
          endpoint: ctx.endpoint,
          kind: ctx.lastFailureKind,
          status: error.response?.status,
          attempt: ctx.attempts,
          delayMs: ctx.nextDelayMs,
        },
        'retrying ghl request',
      );
      if (ctx.takeRefreshRequest()) await refreshToken(ctx, auth);
    },
  });

  return {
    request(endpoint, config, checkEnvelope) {
      const method = (config.method ?? 'GET').toUpperCase();
      const url = `${settings.baseUrl}${config.url ?? ''}`;
      return traceGhlRequest({ endpoint, locationId, method, url }, async (span) => {
        const ctx = new RequestContext(endpoint, checkEnvelope);
        try {
          const response = await instance.request({ ...config, [CONTEXT_KEY]: ctx } as AxiosRequestConfig);
          span.setAttributes({ 'http.response.status_code': response.status, 'ghl.attempts': ctx.attempts });
          return { data: response.data as unknown, status: response.status, attempts: ctx.attempts };
        } catch (err) {
          span.setAttribute('ghl.attempts', ctx.attempts);
          throw toGhlError(err, {
            endpoint,
            attempts: ctx.attempts,
            ...(ctx.lastRateLimitWaitMs !== undefined && { retryAfterMs: ctx.lastRateLimitWaitMs }),
          });
        }
      });
    },
  };
}

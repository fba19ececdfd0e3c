import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ERROR_CODES, GhlSyncError } from '@ghl-sync/errors';
import { createGhlClient, RETRY_POLICY, type FailureKind } from './index.js';
import { fullJitterBackoffMs } from './backoff.js';
import { startFakeGhlServer, type FakeGhlServer, type FakeReply } from './test-support/fake-ghl-server.js';
import { LOCATION_ID, TOKEN, recordingGate, rejectionOf, testClient } from './test-support/client-test-kit.js';

let server: FakeGhlServer;
beforeEach(async () => {
  server = await startFakeGhlServer();
});
afterEach(async () => {
  await server.close();
});

const body = (status: number, message: string) => ({ statusCode: status, message });

/** One reproducible trigger per policy row (gate_refused and other_network_error are special-cased below). */
const TRIGGERS: Record<Exclude<FailureKind, 'gate_refused' | 'other_network_error'>, FakeReply> = {
  server_error: { status: 500, body: body(500, 'Internal server error') },
  timeout: { kind: 'hang' },
  connection_error: { kind: 'reset' },
  invalid_body: { status: 200, body: '<!doctype html><title>502</title>' },
  rate_limited: {
    status: 429,
    headers: { 'x-ratelimit-interval-milliseconds': '1' },
    body: body(429, 'Too Many Requests'),
  },
  daily_quota_exhausted: {
    status: 429,
    headers: { 'x-ratelimit-daily-remaining': '0' },
    body: body(429, 'Too Many Requests'),
  },
  token_expired: { status: 401, body: body(401, 'Invalid JWT') },
  unauthorized: { status: 401, body: body(401, 'The token is not authorized for this scope.') },
  forbidden: { status: 403, body: body(403, 'The token does not have access to this location.') },
  not_found: { status: 404, body: body(404, 'Not Found') },
  bad_request: {
    status: 422,
    body: { statusCode: 422, message: ['property skip should not exist'], error: 'Unprocessable Entity' },
  },
  other_status: { status: 409, body: body(409, 'Conflict') },
};

const MAX_ATTEMPTS = 3;
const MAX_RATE_LIMIT_ATTEMPTS = 2;

/** Attempts the policy row promises before giving up. */
function expectedAttempts(kind: FailureKind): number {
  const rule = RETRY_POLICY[kind];
  if (!rule.retried) return 1;
  return { maxAttempts: MAX_ATTEMPTS, maxRateLimitAttempts: MAX_RATE_LIMIT_ATTEMPTS, once: 2, none: 1 }[rule.budget];
}

describe('RETRY_POLICY', () => {
  it('uses only registered error codes and coherent budgets', () => {
    for (const [kind, rule] of Object.entries(RETRY_POLICY)) {
      if (rule.errorCode !== null) expect(Object.hasOwn(ERROR_CODES, rule.errorCode), kind).toBe(true);
      expect(rule.retried, kind).toBe(rule.budget !== 'none');
      expect(rule.how.length, kind).toBeGreaterThan(10);
    }
  });

  it.each(Object.keys(TRIGGERS) as (keyof typeof TRIGGERS)[])('behaves as its table row says for %s', async (kind) => {
    server.script(TRIGGERS[kind]);
    const rule = RETRY_POLICY[kind];
    const { client } = testClient(server, {
      maxAttempts: MAX_ATTEMPTS,
      maxRateLimitAttempts: MAX_RATE_LIMIT_ATTEMPTS,
      // Only a hang should ever time out: a loaded machine can take well over 100 ms to answer a 403.
      timeoutMs: kind === 'timeout' ? 100 : 10_000,
      auth: { getAccessToken: async () => TOKEN, refresh: async () => 'refreshed-token' },
    });
    const error = await rejectionOf(client.searchOpportunities());
    expect(error.code).toBe(rule.errorCode);
    expect(server.requests).toHaveLength(expectedAttempts(kind));
    expect(error.details['attempts']).toBe(expectedAttempts(kind));
  });

  it('behaves as its table row says for other_network_error (TLS to a plain-HTTP port)', async () => {
    const client = createGhlClient({
      baseUrl: server.baseUrl.replace('http:', 'https:'),
      locationId: LOCATION_ID,
      auth: { getAccessToken: async () => TOKEN },
      maxAttempts: MAX_ATTEMPTS,
      backoffBaseMs: 1,
    });
    const error = await rejectionOf(client.searchOpportunities());
    expect(error.code).toBe(RETRY_POLICY.other_network_error.errorCode);
    expect(error.details['attempts']).toBe(1);
  });

  it('behaves as its table row says for gate_refused', async () => {
    const gate = recordingGate();
    gate.failAcquireOn = 1;
    const { client } = testClient(server, { gate });
    const error = await rejectionOf(client.searchOpportunities());
    expect(error.code).toBe('ghl_rate_limited');
    expect(RETRY_POLICY.gate_refused.errorCode).toBeNull();
    expect(server.requests).toHaveLength(0);
  });
});

describe('fullJitterBackoffMs', () => {
  it('draws uniformly below min(max, base·2^(retry-1))', () => {
    expect(fullJitterBackoffMs(1, 500, 30_000, () => 0.999)).toBe(499);
    expect(fullJitterBackoffMs(3, 500, 30_000, () => 0.5)).toBe(1_000);
    expect(fullJitterBackoffMs(10, 500, 30_000, () => 0.5)).toBe(15_000);
    expect(fullJitterBackoffMs(4, 500, 30_000, () => 0)).toBe(0);
  });
});

describe('GhlSyncError retryable flags', () => {
  it('marks transient codes retryable and permanent ones not', () => {
    expect(new GhlSyncError(RETRY_POLICY.server_error.errorCode, 'x').retryable).toBe(true);
    expect(new GhlSyncError(RETRY_POLICY.forbidden.errorCode, 'x').retryable).toBe(false);
  });
});

import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { provesNotProcessed, refreshOAuthToken, type GhlRequestEvent } from './index.js';
import { startFakeGhlServer, type FakeGhlServer } from './test-support/fake-ghl-server.js';
import { rejectionOf } from './test-support/client-test-kit.js';

let server: FakeGhlServer;
beforeEach(async () => {
  server = await startFakeGhlServer();
});
afterEach(async () => {
  await server.close();
});

const SECRET = 'client-secret-DO-NOT-LEAK-91f2';
const REFRESH = 'refresh-token-DO-NOT-LEAK-77ab';
const base = () => ({ baseUrl: server.baseUrl, clientId: 'client-id-1', clientSecret: SECRET, refreshToken: REFRESH });

describe('refreshOAuthToken', () => {
  it('posts a form-encoded refresh_token grant without Version and returns both tokens', async () => {
    server.script({
      status: 200,
      body: {
        access_token: 'new-access',
        token_type: 'Bearer',
        expires_in: 86399,
        refresh_token: 'new-refresh',
        scope: 'opportunities.readonly',
        userType: 'Location',
        locationId: 'loc-9',
        userId: 'u1',
      },
    });
    const events: GhlRequestEvent[] = [];
    const result = await refreshOAuthToken({ ...base(), onRequest: (e) => events.push(e) });

    expect(result).toEqual({
      accessToken: 'new-access',
      refreshToken: 'new-refresh',
      expiresInSec: 86399,
      locationId: 'loc-9',
      userType: 'Location',
      scope: 'opportunities.readonly',
    });
    const req = server.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/oauth/token');
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req.headers['version']).toBeUndefined();
    expect(req.headers['authorization']).toBeUndefined();
    expect(Object.fromEntries(new URLSearchParams(req.body))).toEqual({
      client_id: 'client-id-1',
      client_secret: SECRET,
      grant_type: 'refresh_token',
      refresh_token: REFRESH,
      user_type: 'Location',
    });
    expect(events).toMatchObject([{ endpoint: 'oauth_token', status: 200, attempt: 1 }]);
  });

  it('sends user_type Company when asked', async () => {
    server.script({ status: 200, body: { access_token: 'a', refresh_token: 'r', expires_in: 10 } });
    await refreshOAuthToken({ ...base(), userType: 'Company' });
    expect(new URLSearchParams(server.requests[0]!.body).get('user_type')).toBe('Company');
  });

  it.each([
    [400, { error: 'invalid_grant', error_description: 'Invalid refresh token' }, 'Invalid refresh token'],
    [401, { error: 'invalid_grant', error_description: 'Location is not active' }, 'Location is not active'],
  ])('throws oauth_refresh_failed on %i without leaking secrets', async (status, body, reason) => {
    server.script({ status, body });
    const error = await rejectionOf(refreshOAuthToken(base()));
    expect(error.code).toBe('oauth_refresh_failed');
    expect(error.retryable).toBe(false);
    expect(error.details).toEqual({ endpoint: 'oauth_token', status, reason });
    expect(server.requests).toHaveLength(1);
    const everything = JSON.stringify(error) + inspect(error, { depth: 20, showHidden: true });
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(REFRESH);
  });

  it.each([
    [401, { error: 'invalid_client', error_description: 'Invalid client: client credentials are invalid' }],
    [400, { error: 'invalid_client' }],
    [401, { statusCode: 401, message: 'Invalid client credentials' }],
  ])('throws oauth_client_invalid when %i refuses the client, without leaking secrets', async (status, body) => {
    server.script({ status, body });
    const error = await rejectionOf(refreshOAuthToken(base()));
    expect(error.code).toBe('oauth_client_invalid');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('GHL_OAUTH_CLIENT_SECRET');
    expect(provesNotProcessed(error)).toBe(true);
    const everything = JSON.stringify(error) + inspect(error, { depth: 20, showHidden: true });
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(REFRESH);
  });

  it('leaves the outcome unknown for any answer after the request left: 5xx, 429, timeout, an unreadable 2xx', async () => {
    server.script({ status: 503, body: 'busy' });
    expect(provesNotProcessed(await rejectionOf(refreshOAuthToken(base())))).toBe(false);
    server.script({ status: 429, body: { statusCode: 429, message: 'Too many requests' } });
    expect(provesNotProcessed(await rejectionOf(refreshOAuthToken(base())))).toBe(false);
    server.script({ status: 200, body: { access_token: 'a', refresh_token: 'r' } });
    expect(provesNotProcessed(await rejectionOf(refreshOAuthToken(base())))).toBe(false);
    server.script({ kind: 'hang' });
    expect(provesNotProcessed(await rejectionOf(refreshOAuthToken({ ...base(), timeoutMs: 100 })))).toBe(false);
  });

  it('proves the token unused when the connection was refused', async () => {
    const closed = server.baseUrl;
    await server.close();
    const error = await rejectionOf(refreshOAuthToken({ ...base(), baseUrl: closed }));
    expect(error.code).toBe('ghl_network_error');
    expect(provesNotProcessed(error)).toBe(true);
    server = await startFakeGhlServer();
  });

  it('is not retried on 5xx (refresh tokens are single-use)', async () => {
    server.script({ status: 502, body: 'Bad Gateway' });
    const error = await rejectionOf(refreshOAuthToken(base()));
    expect(error.code).toBe('ghl_server_error');
    expect(error.details['status']).toBe(502);
    expect(server.requests).toHaveLength(1);
    expect(JSON.stringify(error) + inspect(error, { depth: 20, showHidden: true })).not.toContain(SECRET);
  });

  it('times out as ghl_timeout', async () => {
    server.script({ kind: 'hang' });
    const error = await rejectionOf(refreshOAuthToken({ ...base(), timeoutMs: 100 }));
    expect(error.code).toBe('ghl_timeout');
  });

  it('throws a non-retryable ghl_invalid_response on a 2xx without tokens, naming only the fields', async () => {
    server.script({ status: 200, body: { access_token: 'half-token', expires_in: 86399 } });
    const error = await rejectionOf(refreshOAuthToken(base()));
    expect(error.code).toBe('ghl_invalid_response');
    expect(error.retryable).toBe(false);
    expect(error.details).toEqual({ endpoint: 'oauth_token', fields: ['access_token', 'expires_in'] });
    expect(JSON.stringify(error)).not.toContain('half-token');
  });
});

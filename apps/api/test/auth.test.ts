import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@ghl-sync/config';
import { isGhlSyncError } from '@ghl-sync/errors';
import { createLogger } from '@ghl-sync/logger';
import { createMetrics } from '@ghl-sync/metrics';
import { createApi, registeredRoutes, startApi } from '../src/index.js';
import { ADMIN_TOKEN, BEARER, LOCATION_ID, createApiFixture, type ApiFixture } from './support/api-fixture.js';

let fx: ApiFixture;
beforeAll(async () => {
  fx = await createApiFixture();
});
afterAll(async () => {
  await fx?.close();
});

// The webhook intake is authenticated by GHL's signature, not the admin credential (webhooks.test.ts).
const PUBLIC = new Set(['/health', '/ready', '/metrics', '/webhooks/ghl', '/oauth/install', '/oauth/callback']);
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** Every protected route the app registered, with its parameters filled in. */
function protectedRoutes(): Array<{ method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH'; url: string }> {
  return registeredRoutes(fx.app)
    .filter((r) => r.method !== 'HEAD' && !PUBLIC.has(r.url))
    .map((r) => ({
      method: r.method as 'GET',
      url: r.url
        .replace(':id', '1')
        .replace(':queueName', 'sync-page')
        .replace(/:[A-Za-z]+/g, 'x')
        .replace('*', 'x'),
    }));
}

describe('admin credential', () => {
  it('guards every route except /health, /ready and /metrics: 401 without a credential and with a wrong one', async () => {
    const routes = protectedRoutes();
    expect(routes.map((r) => r.url)).toEqual(
      expect.arrayContaining([
        '/api/syncs',
        '/api/syncs/1',
        '/api/syncs/1/cancel',
        '/api/locations',
        '/api/openapi.json',
      ]),
    );
    expect(routes.filter((r) => r.url.startsWith('/admin/queues')).length).toBeGreaterThan(5);
    let client = 0;
    for (const route of routes) {
      for (const headers of [
        {},
        { authorization: 'Bearer wrong-token' },
        { authorization: `Bearer ${ADMIN_TOKEN}x` },
        { authorization: ADMIN_TOKEN },
      ]) {
        // One address per attempt: this test is about the 401, not the failed-attempt limit.
        client += 1;
        const res = await fx.app.inject({
          method: route.method,
          url: route.url,
          remoteAddress: `10.1.${client >> 8}.${client & 255}`,
          headers,
          payload: route.method === 'GET' ? undefined : {},
        });
        expect(res.statusCode, `${route.method} ${route.url} ${JSON.stringify(headers)}`).toBe(401);
        expect(res.json()).toMatchObject({ error: { code: 'unauthorized' } });
      }
    }
  });

  it('answers 401 on unknown paths too, and 404 not_found once authenticated', async () => {
    expect((await fx.app.inject({ method: 'GET', url: '/api/nope' })).statusCode).toBe(401);
    const res = await fx.app.inject({ method: 'GET', url: '/api/nope', headers: BEARER });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('does not take Basic auth on the API, only on the dashboard', async () => {
    expect(
      (
        await fx.app.inject({
          method: 'GET',
          url: '/api/locations',
          headers: { authorization: basic('admin', ADMIN_TOKEN) },
        })
      ).statusCode,
    ).toBe(401);
  });

  describe('on the Bull Board dashboard', () => {
    it('challenges browsers with WWW-Authenticate: Basic realm="ghl-sync"', async () => {
      const res = await fx.app.inject({ method: 'GET', url: '/admin/queues' });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Basic realm="ghl-sync"/);
      const wrong = await fx.app.inject({
        method: 'GET',
        url: '/admin/queues',
        headers: { authorization: basic('admin', 'nope') },
      });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.headers['www-authenticate']).toMatch(/^Basic realm="ghl-sync"/);
    });

    it('serves the page and its API with Basic auth (any user name) or the bearer token', async () => {
      const page = await fx.app.inject({
        method: 'GET',
        url: '/admin/queues',
        headers: { authorization: basic('anyone', ADMIN_TOKEN) },
      });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/text\/html/);
      const api = await fx.app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: BEARER });
      expect(api.statusCode).toBe(200);
      const names = api
        .json<{ queues: Array<{ name: string }> }>()
        .queues.map((q) => q.name)
        .sort();
      expect(names).toEqual(['sync-coordinator', 'sync-finalize', 'sync-maintenance', 'sync-page', 'sync-record']);
    });
  });
});

describe('failed authentications', () => {
  it('are limited per client address: past ADMIN_AUTH_MAX_FAILURES, even the right token gets 429 until the window ends; other addresses are unaffected', async () => {
    const app = await createApi({
      adminToken: ADMIN_TOKEN,
      authFailureLimit: { max: 3, windowMs: 60_000 },
      logger: createLogger({ name: 'api', level: 'silent', format: 'json' }),
      db: fx.db,
      queues: fx.queues,
      redis: fx.redis,
      metrics: createMetrics({ service: 'api', processMetrics: false }),
    });
    try {
      const attempt = (remoteAddress: string, authorization?: string) =>
        app.inject({
          method: 'GET',
          url: '/api/locations',
          remoteAddress,
          headers: authorization ? { authorization } : {},
        });
      // A request without any credential is not a guess: it never counts.
      for (let i = 0; i < 5; i++) expect((await attempt('203.0.113.7')).statusCode).toBe(401);
      for (let i = 0; i < 3; i++) expect((await attempt('203.0.113.7', 'Bearer guess')).statusCode).toBe(401);
      const limited = await attempt('203.0.113.7', 'Bearer guess');
      expect(limited.statusCode).toBe(429);
      expect(limited.json()).toMatchObject({ error: { code: 'too_many_auth_failures' } });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect((await attempt('203.0.113.7', `Bearer ${ADMIN_TOKEN}`)).statusCode).toBe(429);
      expect((await attempt('203.0.113.8', `Bearer ${ADMIN_TOKEN}`)).statusCode).toBe(200);
      // Public routes are never refused.
      expect((await app.inject({ method: 'GET', url: '/health', remoteAddress: '203.0.113.7' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('refusing to run open', () => {
  it('createApi refuses an admin token shorter than 32 characters and says how to make one', async () => {
    const attempt = createApi({
      adminToken: 'a'.repeat(31),
      logger: createLogger({ name: 'api', level: 'silent', format: 'json' }),
      db: fx.db,
      queues: fx.queues,
      redis: fx.redis,
      metrics: createMetrics({ service: 'api', processMetrics: false }),
    });
    await expect(attempt).rejects.toSatisfy(
      (err: unknown) =>
        isGhlSyncError(err, 'config_invalid') &&
        /at least 32/.test((err as Error).message) &&
        /openssl rand -base64 32/.test((err as Error).message) &&
        !(err as Error).message.includes('a'.repeat(31)),
    );
  });

  it('createApi throws config_invalid without an admin token', async () => {
    for (const adminToken of [undefined, '', '   ']) {
      const attempt = createApi({
        adminToken,
        logger: createLogger({ name: 'api', level: 'silent', format: 'json' }),
        db: fx.db,
        queues: fx.queues,
        redis: fx.redis,
        metrics: createMetrics({ service: 'api', processMetrics: false }),
      });
      await expect(attempt).rejects.toSatisfy(
        (err: unknown) => isGhlSyncError(err, 'config_invalid') && /ADMIN_TOKEN/.test((err as Error).message),
      );
    }
  });

  it('startApi throws config_invalid without ADMIN_TOKEN, before opening any connection', async () => {
    const config = loadConfig(
      {},
      { API_PORT: 0, DATABASE_URL: fx.databaseUrl, REDIS_URL: fx.redisUrl, QUEUE_PREFIX: fx.prefix },
    );
    expect(config.ADMIN_TOKEN).toBeUndefined();
    await expect(
      startApi(config, createLogger({ name: 'api', level: 'silent', format: 'json' }), { host: '127.0.0.1' }),
    ).rejects.toSatisfy((err: unknown) => isGhlSyncError(err, 'config_invalid'));
  });
});

describe('logs', () => {
  it('never contain the admin token, in clear or Basic-encoded, on success, failure or error', async () => {
    const encoded = Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64');
    await fx.app.inject({ method: 'GET', url: '/api/locations', headers: BEARER });
    await fx.app.inject({
      method: 'POST',
      url: '/api/syncs',
      headers: BEARER,
      payload: { locationId: LOCATION_ID, mode: 'full' },
    });
    await fx.app.inject({
      method: 'POST',
      url: '/api/syncs',
      headers: BEARER,
      payload: { locationId: 'missing', mode: 'oops' },
    });
    await fx.app.inject({
      method: 'GET',
      url: '/api/syncs',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}-wrong` },
    });
    await fx.app.inject({ method: 'GET', url: '/admin/queues', headers: { authorization: `Basic ${encoded}` } });
    await fx.app.inject({ method: 'GET', url: `/api/syncs?limit=${ADMIN_TOKEN}`, headers: BEARER });
    const text = fx.logs.text();
    // The capture really holds request logs, so an empty capture cannot pass this test.
    expect(text).toContain('incoming request');
    expect(text).toContain('/api/locations');
    expect(text).not.toContain(ADMIN_TOKEN);
    expect(text).not.toContain(encoded);
    expect(text.toLowerCase()).not.toContain('authorization');
  });
});

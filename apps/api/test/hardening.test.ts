import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@ghl-sync/config';
import { createLogger } from '@ghl-sync/logger';
import { startApi } from '../src/index.js';
import { ADMIN_TOKEN, BEARER, createApiFixture, type ApiFixture } from './support/api-fixture.js';

let fx: ApiFixture;
beforeAll(async () => {
  fx = await createApiFixture();
});
afterAll(async () => {
  await fx?.close();
});

describe('HTTP hardening', () => {
  it('sends security headers: no framing anywhere, no-store on /api', async () => {
    const api = await fx.app.inject({ method: 'GET', url: '/api/locations', headers: BEARER });
    expect(api.statusCode).toBe(200);
    expect(api.headers['cache-control']).toBe('no-store');
    expect(api.headers['x-content-type-options']).toBe('nosniff');
    const dashboard = await fx.app.inject({
      method: 'GET',
      url: '/admin/queues',
      headers: BEARER,
    });
    expect(dashboard.statusCode).toBe(200);
    expect(String(dashboard.headers['content-security-policy'])).toContain("frame-ancestors 'none'");
    expect(String(dashboard.headers['content-security-policy'])).not.toContain('upgrade-insecure-requests');
    expect(dashboard.headers['x-frame-options']).toBe('SAMEORIGIN');
  });

  it('listens on 127.0.0.1 unless API_HOST says otherwise', async () => {
    const config = loadConfig(
      {},
      {
        API_PORT: 0,
        ADMIN_TOKEN,
        DATABASE_URL: fx.databaseUrl,
        REDIS_URL: fx.redisUrl,
        QUEUE_PREFIX: fx.prefix,
      },
    );
    expect(config.API_HOST).toBe('127.0.0.1');
    expect(loadConfig({}).WORKER_METRICS_HOST).toBe('127.0.0.1');
    const api = await startApi(config, createLogger({ name: 'api', level: 'silent', format: 'json' }));
    try {
      expect((api.app.server.address() as AddressInfo).address).toBe('127.0.0.1');
    } finally {
      await api.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '@ghl-sync/db';
import { createLogger } from '@ghl-sync/logger';
import { createMetrics } from '@ghl-sync/metrics';
import { createApi } from '../src/index.js';
import { ADMIN_TOKEN, createApiFixture, type ApiFixture } from './support/api-fixture.js';

let fx: ApiFixture;
beforeAll(async () => {
  fx = await createApiFixture();
});
afterAll(async () => {
  await fx?.close();
});

describe('health and readiness', () => {
  it('GET /health answers 200 { status: "ok" } without a credential', async () => {
    const res = await fx.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('GET /ready answers 200 when Redis and Postgres both answer', async () => {
    const res = await fx.app.inject({ method: 'GET', url: '/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', checks: { redis: 'ok', postgres: 'ok' } });
  });

  describe('when Postgres is unreachable', () => {
    it('GET /ready answers 503 db_error naming postgres, while /health stays 200', async () => {
      // Port 1 on loopback: nothing listens there, so the pool's connect is refused at once.
      const deadDb = createDb({ connectionString: 'postgres://postgres@127.0.0.1:1/ghl_sync', max: 1 });
      const app = await createApi({
        adminToken: ADMIN_TOKEN,
        logger: createLogger({ name: 'api', level: 'silent', format: 'json' }),
        db: deadDb,
        queues: fx.queues,
        redis: fx.redis,
        metrics: createMetrics({ service: 'api', processMetrics: false }),
        readinessTimeoutMs: 3_000,
      });
      try {
        const res = await app.inject({ method: 'GET', url: '/ready' });
        expect(res.statusCode).toBe(503);
        expect(res.json()).toMatchObject({
          error: {
            code: 'db_error',
            details: { failed: ['postgres'], checks: { redis: 'ok', postgres: 'down' } },
          },
        });
        // Public: the driver's message (addresses, ports) stays in the log.
        expect(res.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|:1\b/);
        expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
      } finally {
        await app.close();
        await deadDb.close();
      }
    });
  });
});

describe('GET /metrics', () => {
  it('with METRICS_TOKEN set, needs the bearer token; the admin routes do not take it', async () => {
    const metricsToken = 'metrics-token-0123456789abcdef-xyz';
    const app = await createApi({
      adminToken: ADMIN_TOKEN,
      metricsToken,
      logger: createLogger({ name: 'api', level: 'silent', format: 'json' }),
      db: fx.db,
      queues: fx.queues,
      redis: fx.redis,
      metrics: createMetrics({ service: 'api', processMetrics: false }),
    });
    try {
      expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
      const ok = await app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Bearer ${metricsToken}` },
      });
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain('ghl_sync_dependency_errors_total');
      const admin = await app.inject({
        method: 'GET',
        url: '/api/locations',
        headers: { authorization: `Bearer ${metricsToken}` },
      });
      expect(admin.statusCode).toBe(401);
    } finally {
      await app.close();
    }
  });

  it('serves Prometheus text without a credential, queue depths included', async () => {
    const res = await fx.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain('ghl_sync_queue_jobs{queue="sync-coordinator",state="waiting",service="api"}');
  });
});

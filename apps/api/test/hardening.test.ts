import { connect, type AddressInfo } from 'node:net';
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
  it("sends security headers: no framing anywhere, no-store on /api and the dashboard's JSON", async () => {
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
    // The dashboard's own JSON (queues, jobs and their data) is admin data like /api's.
    const queues = await fx.app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: BEARER });
    expect(queues.statusCode).toBe(200);
    expect(queues.headers['cache-control']).toBe('no-store');
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

  it('cuts off a request whose body trickles in slower than API_REQUEST_TIMEOUT_MS allows', async () => {
    const config = loadConfig(
      {},
      {
        API_PORT: 0,
        API_REQUEST_TIMEOUT_MS: 1_000,
        ADMIN_TOKEN,
        DATABASE_URL: fx.databaseUrl,
        REDIS_URL: fx.redisUrl,
        QUEUE_PREFIX: fx.prefix,
      },
    );
    const api = await startApi(config, createLogger({ name: 'api', level: 'silent', format: 'json' }));
    try {
      const { port } = api.app.server.address() as AddressInfo;
      // One byte every 200 ms of a body announced as 10 kB: without the limit this takes 30 minutes,
      // so the answer can only come from the server giving up on the request.
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1');
        let received = '';
        const trickle = setInterval(() => socket.write(' '), 200);
        socket.on('data', (chunk) => (received += String(chunk)));
        socket.on('error', reject);
        socket.on('close', () => {
          clearInterval(trickle);
          resolve(received);
        });
        socket.write(
          `POST /api/syncs HTTP/1.1\r\nHost: test\r\n${Object.entries(BEARER)
            .map(([k, v]) => `${k}: ${v}`)
            .join('\r\n')}\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{`,
        );
      });
      expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
    } finally {
      await api.close();
    }
  });
});

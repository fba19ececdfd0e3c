import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@ghl-sync/config';
import { createLogger } from '@ghl-sync/logger';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '@ghl-sync/testing';
import { startApi } from '../src/index.js';
import { captureLogs } from './support/capture-logs.js';

let database: TestDatabase;
let redis: TestRedis;
beforeAll(async () => {
  database = await createTestDatabase();
  redis = await createTestRedis();
});
afterAll(async () => {
  await redis?.cleanup();
  await database?.drop();
});

describe('startApi', () => {
  it('listens on API_PORT (0 = a free port), serves over real HTTP and closes in order: http, queues, redis, postgres', async () => {
    const token = 'start-api-token-9d8e7f-2b6c1a0e4d8f';
    const config = loadConfig(
      {},
      { API_PORT: 0, ADMIN_TOKEN: token, DATABASE_URL: database.url, REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix },
    );
    const logs = captureLogs();
    const api = await startApi(
      config,
      createLogger({ name: 'api', level: 'info', format: 'json', destination: logs.stream }),
      { host: '127.0.0.1' },
    );
    try {
      expect(api.port).toBeGreaterThan(0);
      expect(api.registry.closers.map((c) => c.name)).toEqual(['http', 'queues', 'redis', 'postgres']);
      expect(await (await fetch(`${api.url}/ready`)).json()).toEqual({
        status: 'ready',
        checks: { redis: 'ok', postgres: 'ok' },
      });
      expect((await fetch(`${api.url}/api/locations`)).status).toBe(401);
      const ok = await fetch(`${api.url}/api/locations`, { headers: { authorization: `Bearer ${token}` } });
      expect(await ok.json()).toEqual({ locations: [] });
    } finally {
      await api.close();
    }
    await expect(fetch(`${api.url}/health`)).rejects.toThrow();
    expect(logs.text()).toContain('admin API listening');
    expect(logs.text()).not.toContain(token);
  });
});

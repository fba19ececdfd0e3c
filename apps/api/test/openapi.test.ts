import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredRoutes } from '../src/index.js';
import { BEARER, createApiFixture, type ApiFixture } from './support/api-fixture.js';

let fx: ApiFixture;
beforeAll(async () => {
  fx = await createApiFixture();
});
afterAll(async () => {
  await fx?.close();
});

/** fastify `/api/syncs/:id` → OpenAPI `/api/syncs/{id}`. */
const toOpenApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('GET /api/openapi.json', () => {
  it('is an OpenAPI 3.1 document describing every route the app serves, and nothing it does not', async () => {
    const res = await fx.app.inject({ method: 'GET', url: '/api/openapi.json', headers: BEARER });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ openapi: string; paths: Record<string, Record<string, unknown>> }>();
    expect(doc.openapi).toBe('3.1.0');

    // Bull Board's own pages and XHR API are described by its entry, /admin/queues.
    const served = registeredRoutes(fx.app)
      .filter((r) => r.method !== 'HEAD' && !r.url.startsWith('/admin/queues/'))
      .map((r) => `${r.method.toLowerCase()} ${toOpenApiPath(r.url)}`);
    expect(served.length).toBeGreaterThanOrEqual(9);
    const described = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));

    expect(described.filter((d) => !d.startsWith('get /admin/queues')).sort()).toEqual(
      served.filter((s) => !s.startsWith('get /admin/queues')).sort(),
    );
    expect(described).toContain('get /admin/queues');
    expect(registeredRoutes(fx.app).some((r) => r.url.startsWith('/admin/queues'))).toBe(true);
  });
});

import type { FastifyInstance } from 'fastify';
import { OPENAPI_DOCUMENT } from '../openapi/openapi-document.js';

/** `GET /api/openapi.json`: the admin API's OpenAPI 3.1 description (behind the admin credential like the rest of /api). */
export function registerOpenApiRoute(app: FastifyInstance): void {
  app.get('/api/openapi.json', async () => OPENAPI_DOCUMENT);
}

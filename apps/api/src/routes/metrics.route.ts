import type { FastifyInstance } from 'fastify';
import type { SyncMetrics } from '@ghl-sync/metrics';
import { PUBLIC_ROUTE } from '../auth/route-access.js';
import { createAdminCredential } from '../auth/admin-credential.js';
import { errorResponse } from '../http/error-response.js';

/**
 * `GET /metrics`: Prometheus text. Outside the admin credential (scrapers do not hold it), and the
 * numbers (queue depths, run counts) reveal no record data; with `metricsToken` (`METRICS_TOKEN`)
 * a scrape must send `Authorization: Bearer <METRICS_TOKEN>`. Redis and Postgres readings are
 * time-boxed and cached by packages/metrics, so a scrape answers during an outage.
 */
export function registerMetricsRoute(
  app: FastifyInstance,
  metrics: Pick<SyncMetrics, 'registry'>,
  metricsToken?: string,
): void {
  const credential = metricsToken ? createAdminCredential(metricsToken) : undefined;
  app.get('/metrics', { config: PUBLIC_ROUTE }, async (request, reply) => {
    if (credential && !credential.verifyHeader(request.headers.authorization, ['bearer'])) {
      reply.header('WWW-Authenticate', 'Bearer realm="metrics"');
      return errorResponse(reply, 401, 'unauthorized', 'send Authorization: Bearer <METRICS_TOKEN>');
    }
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}

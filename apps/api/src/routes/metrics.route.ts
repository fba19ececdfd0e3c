import type { FastifyInstance } from 'fastify';
import type { SyncMetrics } from '@ghl-sync/metrics';
import { PUBLIC_ROUTE } from '../auth/route-access.js';

/**
 * `GET /metrics`: Prometheus text. Open like `/health`: scrapers usually hold no token, and the
 * numbers (queue depths, run counts) reveal no record data. Restrict it at the network if needed.
 */
export function registerMetricsRoute(app: FastifyInstance, metrics: Pick<SyncMetrics, 'registry'>): void {
  app.get('/metrics', { config: PUBLIC_ROUTE }, async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}

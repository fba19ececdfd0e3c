export { createMetrics, QUEUE_STATES, type CreateMetricsOptions, type SyncMetrics } from './create-metrics.js';
export { startMetricsServer } from './metrics-server.js';

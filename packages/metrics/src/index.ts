export { createMetrics, QUEUE_STATES, type CreateMetricsOptions, type SyncMetrics } from './create-metrics.js';
export { startMetricsServer, type MetricsServerProbes } from './metrics-server.js';
export { answersWithin } from './answers-within.js';
export { countQueueBacklog, DEFAULT_BACKLOG_HORIZON_MS, type MetricsQueue } from './queue-backlog.js';

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DEFAULT_BACKLOG_HORIZON_MS, countQueueBacklog, type MetricsQueue } from './queue-backlog.js';
import { timeBoxedReading, type Reading } from './time-boxed-reading.js';

/** How long a scrape waits for Redis or Postgres, in ms. */
export const DEFAULT_COLLECT_TIMEOUT_MS = 2_000;
/** How long a good Redis or Postgres reading is reused by later scrapes, in ms. */
export const DEFAULT_COLLECT_CACHE_MS = 5_000;

/** The job states reported per queue (BullMQ `getJobCounts`). */
export const QUEUE_STATES = [
  'waiting',
  'active',
  'delayed',
  'completed',
  'failed',
  'waiting-children',
  'prioritized',
  'paused',
] as const;

/** Options for {@link createMetrics}. */
export interface CreateMetricsOptions {
  /** `service` label on every metric: `worker`, `api`. */
  service: string;
  /**
   * Queues whose job counts (`ghl_sync_queue_jobs`) and backlog (`ghl_sync_queue_backlog`) are
   * reported at scrape time; a function is called at scrape time (metrics built before the queues).
   */
  queues?: MetricsQueue[] | (() => MetricsQueue[]);
  /** How far ahead a delayed job counts as backlog, in ms (see {@link countQueueBacklog}). @defaultValue 60_000 */
  backlogHorizonMs?: number;
  /** Counts runs by status at scrape time (`ghl_sync_runs`), from Postgres. */
  countRunsByStatus?: () => Promise<Record<string, number>>;
  /**
   * How long a scrape waits for Redis (queue counts) and for Postgres (run counts), in ms; past it
   * the scrape answers with the last good values and `ghl_sync_dependency_up` 0.
   * @defaultValue {@link DEFAULT_COLLECT_TIMEOUT_MS}
   */
  collectTimeoutMs?: number;
  /** How long a good reading is reused by later scrapes, in ms. @defaultValue {@link DEFAULT_COLLECT_CACHE_MS} */
  collectCacheMs?: number;
  /** Collect Node process metrics (memory, event-loop lag, GC). @defaultValue true */
  processMetrics?: boolean;
}

/** Every metric ghl-sync exposes, declared once. Names follow Prometheus conventions (`_total`, `_seconds`). */
export interface SyncMetrics {
  registry: Registry;
  /** Runs finished by this process, by final status. */
  runsFinished: Counter<'status'>;
  /** Opportunities handled by page writes, by operation (inserted, updated, unchanged, deleted). */
  opportunitiesWritten: Counter<'operation'>;
  /** GHL HTTP attempts by endpoint and status (a number, `timeout` or `network_error`). */
  ghlRequests: Counter<'endpoint' | 'status'>;
  /** GHL request latency, in seconds. */
  ghlRequestDuration: Histogram<'endpoint'>;
  /** Time spent waiting for a location's rate budget, in seconds. */
  rateLimitWaitSeconds: Counter<string>;
  /**
   * OAuth token refreshes and recovery steps by kind: `refreshed`, `refresh_outcome_unknown`,
   * `refresh_refused`, `reconnected`, `reconnect_refused`, `stale_pair_discarded`, `client_invalid`;
   * agency installs: `minted`, `agency_refreshed`, `agency_refresh_refused`, `agency_reconnected`.
   */
  oauthTokenEvents: Counter<'kind'>;
  /**
   * Connection-level errors of a dependency this process survived (see docs/reliability.md), by
   * `dependency` (`postgres`, `redis`, `http`) and `source`: the emitter (`idle_client`,
   * `checked_out_client`, `connection`, `queue`, `flow`, `worker`, `server`, `metrics_server`).
   */
  dependencyErrors: Counter<'dependency' | 'source'>;
  /**
   * Webhook deliveries by event `type` (the GHL type for opportunity events, else `other`) and
   * `outcome`: `accepted`, `duplicate`, `unknown_location`, `ignored_type`, `bad_signature`,
   * `legacy_refused`, `stale`, `invalid_body`, `too_large`, `unavailable` (answered 429).
   */
  webhookEvents: Counter<'type' | 'outcome'>;
  /** From a webhook's receipt to its row written (or tombstoned), in seconds, by apply outcome. */
  webhookEventToRowSeconds: Histogram<'outcome'>;
  /** Rows full runs of webhook locations had to insert, update or tombstone (what webhooks missed). */
  reconciliationDrift: Counter<string>;
}

/** Builds a registry with every metric of ghl-sync. One per process. */
export function createMetrics(options: CreateMetricsOptions): SyncMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'ghl_sync_' });

  const metrics: SyncMetrics = {
    registry,
    runsFinished: new Counter({
      name: 'ghl_sync_runs_finished_total',
      help: 'Sync runs finished by this process, by final status',
      labelNames: ['status'],
      registers: [registry],
    }),
    opportunitiesWritten: new Counter({
      name: 'ghl_sync_opportunities_written_total',
      help: 'Opportunities handled by page writes and sweeps, by operation',
      labelNames: ['operation'],
      registers: [registry],
    }),
    ghlRequests: new Counter({
      name: 'ghl_sync_ghl_requests_total',
      help: 'GHL HTTP attempts by endpoint and status',
      labelNames: ['endpoint', 'status'],
      registers: [registry],
    }),
    ghlRequestDuration: new Histogram({
      name: 'ghl_sync_ghl_request_duration_seconds',
      help: 'GHL request latency',
      labelNames: ['endpoint'],
      registers: [registry],
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    }),
    rateLimitWaitSeconds: new Counter({
      name: 'ghl_sync_rate_limit_wait_seconds_total',
      help: "Seconds spent waiting for a location's GHL rate budget",
      registers: [registry],
    }),
    oauthTokenEvents: new Counter({
      name: 'ghl_sync_oauth_token_events_total',
      help: 'OAuth token refreshes and recovery steps (reconnects, refusals, unknown outcomes), by kind',
      labelNames: ['kind'],
      registers: [registry],
    }),
    dependencyErrors: new Counter({
      name: 'ghl_sync_dependency_errors_total',
      help: 'Connection-level errors of Postgres, Redis and HTTP servers that the process survived, by dependency and emitter',
      labelNames: ['dependency', 'source'],
      registers: [registry],
    }),
    webhookEvents: new Counter({
      name: 'ghl_sync_webhook_events_total',
      help: 'GHL webhook deliveries by event type and outcome',
      labelNames: ['type', 'outcome'],
      registers: [registry],
    }),
    webhookEventToRowSeconds: new Histogram({
      name: 'ghl_sync_webhook_event_to_row_seconds',
      help: 'Time from receiving a webhook to its row written in Postgres, by apply outcome',
      labelNames: ['outcome'],
      registers: [registry],
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
    }),
    reconciliationDrift: new Counter({
      name: 'ghl_sync_reconciliation_drift_total',
      help: 'Rows full runs of webhook locations inserted, updated or tombstoned: what webhooks had missed',
      registers: [registry],
    }),
  };

  const timeBox = {
    timeoutMs: options.collectTimeoutMs ?? DEFAULT_COLLECT_TIMEOUT_MS,
    cacheMs: options.collectCacheMs ?? DEFAULT_COLLECT_CACHE_MS,
  };
  // Each gauge collects in parallel with the others (prom-client), so `up` asks the same shared
  // readings itself rather than reading what another gauge's collect may not have set yet.
  const upChecks: Array<{ dependency: string; ok: () => Promise<boolean> }> = [];

  const queueOption = options.queues;
  if (typeof queueOption === 'function' || queueOption?.length) {
    const queuesNow = () => (typeof queueOption === 'function' ? queueOption() : (queueOption ?? []));
    const horizonMs = options.backlogHorizonMs ?? DEFAULT_BACKLOG_HORIZON_MS;
    // One Redis reading per scrape for both gauges, time-boxed and cached.
    const redis = timeBoxedReading(async () => {
      const nowMs = Date.now();
      return Promise.all(
        queuesNow().map(async (queue) => ({
          name: queue.name,
          counts: await queue.getJobCounts(...QUEUE_STATES),
          backlog: await countQueueBacklog(queue, nowMs, horizonMs),
        })),
      );
    }, timeBox);
    let reading: Promise<Reading<Array<{ name: string; counts: Record<string, number>; backlog: number }>>> | undefined;
    // Both gauges collect in the same scrape (prom-client starts every collect in one tick): the
    // first starts the reading, the second joins it. It is forgotten as soon as it settles, so the
    // next scrape, however soon, reads again (or takes timeBoxedReading's cache).
    const readRedis = () => {
      reading ??= redis.read().finally(() => {
        reading = undefined;
      });
      return reading;
    };
    upChecks.push({ dependency: 'redis', ok: async () => (await readRedis()).ok });
    new Gauge({
      name: 'ghl_sync_queue_jobs',
      help: 'Jobs per queue and state',
      labelNames: ['queue', 'state'],
      registers: [registry],
      async collect() {
        this.reset();
        const { value } = await readRedis();
        for (const queue of value ?? [])
          for (const state of QUEUE_STATES) this.set({ queue: queue.name, state }, queue.counts[state] ?? 0);
      },
    });
    new Gauge({
      name: 'ghl_sync_queue_backlog',
      help: 'Jobs active, waiting, prioritized, or delayed and due within the horizon, per queue: what to scale workers on',
      labelNames: ['queue'],
      registers: [registry],
      async collect() {
        this.reset();
        // Without a reading of this scrape (or of the last cacheMs) the queues are left out rather
        // than reported from an older reading or as 0: an autoscaler must neither read a Redis
        // outage as "no work" nor keep scaling on a backlog nobody can see any more.
        const { value, ok } = await readRedis();
        if (!ok) return;
        for (const queue of value ?? []) this.set({ queue: queue.name }, queue.backlog);
      },
    });
  }
  if (options.countRunsByStatus) {
    const postgres = timeBoxedReading(options.countRunsByStatus, timeBox);
    upChecks.push({ dependency: 'postgres', ok: async () => (await postgres.read()).ok });
    new Gauge({
      name: 'ghl_sync_runs',
      help: 'Sync runs in Postgres by status',
      labelNames: ['status'],
      registers: [registry],
      async collect() {
        this.reset();
        const { value } = await postgres.read();
        for (const [status, n] of Object.entries(value ?? {})) this.set({ status }, n);
      },
    });
  }
  if (upChecks.length > 0)
    new Gauge({
      name: 'ghl_sync_dependency_up',
      help: 'Whether the dependency answered the last metrics collection within its time box (1) or not (0)',
      labelNames: ['dependency'],
      registers: [registry],
      async collect() {
        for (const check of upChecks) this.set({ dependency: check.dependency }, (await check.ok()) ? 1 : 0);
      },
    });
  return metrics;
}

import { FlowProducer, Queue, type Telemetry } from 'bullmq';
import type { z } from 'zod';
import type { CoordinatorJob, RecordJob } from './job-schemas.js';
import { QUEUES, type JobInput, type JobName, type QueueKey } from './queue-catalog.js';
import { runKey } from './run-key.js';
import { bullPrefix, type RedisClient } from './redis-connection.js';

/** Page jobs added per Redis round trip. */
const PAGE_CHUNK = 200;
/** BullMQ's highest priority value (2^21). */
const MAX_PRIORITY = 2_097_152;
/** When a run's gate releases its flow parent if the enqueuing process died first, in ms. */
const GATE_FALLBACK_MS = 10 * 60_000;

/** Options for {@link createQueues}. */
export interface CreateQueuesOptions {
  /** A producer connection (see `createRedisConnection`). Shared by every queue here; not closed by `close()`. */
  connection: RedisClient;
  /** BullMQ key prefix; on a Redis Cluster connection it is wrapped in a hash tag, `{prefix}` (see `bullPrefix`). @defaultValue 'ghl-sync' */
  prefix?: string;
  /**
   * Called with every `error` event of a Queue (`source` = its name) or of the flow producer
   * (`flow`): the shared connection failed. The call that hit it rejects on its own; the listener
   * keeps the event from crashing the process. @defaultValue ignored
   */
  onError?: (source: string, err: Error) => void;
  /**
   * Tracing of every add (see `createQueueTelemetry`): a job added inside a span carries its
   * context to the worker that runs it. @defaultValue none (no span, no context in the job)
   */
  telemetry?: Telemetry;
}

/**
 * The producer handle of queue `K`: payloads and job names are typed from the catalog. Note that
 * BullMQ types a job scheduler id as a job name; scheduler ids come from the catalog too.
 */
export type TypedQueue<K extends QueueKey> = Queue<JobInput<K>, unknown, JobName<K>>;

/** Producer handles for every queue plus the flow producer. */
export type Queues = { readonly [K in QueueKey]: TypedQueue<K> } & {
  /** The BullMQ prefix in use: the one given, hash-tagged on a cluster. */
  readonly prefix: string;
  readonly flow: FlowProducer;
  /** Every queue, for Bull Board and metrics. */
  all(): Queue[];
  /**
   * Enqueues a coordinator job (payload validated). For an opened run pass `run`: its job id makes
   * a second enqueue of the same run a no-op.
   */
  enqueueCoordinator(job: CoordinatorJob, run?: { id: number; startedAt: Date; recoveries?: number }): Promise<string>;
  /**
   * Enqueues one job per page as a BullMQ flow whose parent (the finalize job) runs once every page
   * job has completed or failed for good. Idempotent per run key: pages already added are skipped.
   */
  enqueuePageFlow(input: {
    run: { id: number; startedAt: Date; recoveries?: number };
    locationId: string;
    pageNumbers: number[];
  }): Promise<void>;
  /**
   * Enqueues the record job of one opportunity after `delayMs`, unless one is pending already: events
   * that arrive meanwhile are coalesced into it (it reads the opportunity once, after the last of
   * them was stored). An event arriving while the job runs gets one more job when it ends.
   * @returns the id of the job that will apply the event (the pending one when coalesced).
   */
  enqueueRecord(job: z.input<typeof QUEUES.record.schema>, options: { delayMs: number }): Promise<string>;
  /**
   * Enqueues a reconcile of one agency's installed locations (after an install or an INSTALL
   * webhook). Retried with backoff: GHL may be briefly unavailable right after an install. One
   * pending reconcile per agency; one asked for while another runs is kept and runs after it.
   * @returns the job id.
   */
  enqueueAgencyReconcile(agencyId: string): Promise<string>;
  close(): Promise<void>;
};

/** Builds the producer side of every queue in the catalog. */
export function createQueues(options: CreateQueuesOptions): Queues {
  const prefix = bullPrefix(options.prefix ?? 'ghl-sync', options.connection);
  const make = <K extends QueueKey>(key: K): TypedQueue<K> => {
    const queue = new Queue(QUEUES[key].name, {
      connection: options.connection,
      prefix,
      defaultJobOptions: QUEUES[key].defaultJobOptions,
      telemetry: options.telemetry,
    }) as TypedQueue<K>;
    // Errors surface on the calls that hit them; the listener stops an unhandled 'error' crash.
    queue.on('error', (err) => options.onError?.(QUEUES[key].name, err));
    return queue;
  };
  const coordinator = make('coordinator');
  const page = make('page');
  const finalize = make('finalize');
  const maintenance = make('maintenance');
  const record = make('record');
  const flow = new FlowProducer({ connection: options.connection, prefix, telemetry: options.telemetry });
  flow.on('error', (err) => options.onError?.('flow', err));

  return {
    prefix,
    coordinator,
    page,
    finalize,
    maintenance,
    record,
    flow,
    all: () => [coordinator, page, finalize, maintenance, record],
    async enqueueCoordinator(job, run) {
      const data = QUEUES.coordinator.schema.parse(job);
      const added = await coordinator.add(
        QUEUES.coordinator.jobNames.run,
        data,
        run ? { jobId: QUEUES.coordinator.jobId(runKey(run)) } : {},
      );
      return added.id!;
    },
    async enqueuePageFlow({ run, locationId, pageNumbers }) {
      const key = runKey(run);
      const runId = run.id;
      const finalizeId = QUEUES.finalize.jobId(key);
      const gateId = QUEUES.maintenance.gateJobId(key);
      // The parent starts with one child, a gate that waits. Pages are then added in chunks (flat
      // memory whatever the account size) while the parent cannot finish early, and the gate is
      // released last. If this process dies before releasing it, the gate fires by itself after
      // GATE_FALLBACK_MS and the finalizer closes the run from its page rows.
      await flow.add({
        name: QUEUES.finalize.jobNames.finalize,
        queueName: QUEUES.finalize.name,
        data: QUEUES.finalize.schema.parse({ runId, locationId }),
        opts: { ...QUEUES.finalize.defaultJobOptions, jobId: finalizeId },
        children: [
          {
            name: QUEUES.maintenance.jobNames.flowGate,
            queueName: QUEUES.maintenance.name,
            data: QUEUES.maintenance.schema.parse({ task: 'flow_gate', runId }),
            opts: { ...QUEUES.maintenance.defaultJobOptions, jobId: gateId, delay: GATE_FALLBACK_MS },
          },
        ],
      });
      const parent = { id: finalizeId, queue: `${prefix}:${QUEUES.finalize.name}` };
      for (let i = 0; i < pageNumbers.length; i += PAGE_CHUNK) {
        await page.addBulk(
          pageNumbers.slice(i, i + PAGE_CHUNK).map((pageNo) => ({
            name: QUEUES.page.jobNames.page,
            data: QUEUES.page.schema.parse({ runId, locationId, pageNo }),
            // Lower runs first: every location's page 1 before anyone's page 2, so one large
            // location's thousands of pages cannot hold every worker slot while others wait.
            opts: {
              ...QUEUES.page.defaultJobOptions,
              jobId: QUEUES.page.jobId(key, pageNo),
              priority: Math.min(pageNo, MAX_PRIORITY),
              parent,
            },
          })),
        );
      }
      const gate = await maintenance.getJob(gateId);
      if (gate && (await gate.isDelayed())) await gate.promote();
    },
    async enqueueRecord(job, { delayMs }) {
      const data: RecordJob = QUEUES.record.schema.parse(job);
      const added = await record.add(QUEUES.record.jobNames.apply, data, {
        delay: delayMs,
        priority: QUEUES.record.priorities[data.source],
        // Simple mode while pending (the later events' data is dropped: the job re-reads the
        // opportunity and marks every stored event it covers); keepLastIfActive so an event that
        // arrives during the re-read is not lost to it.
        deduplication: { id: QUEUES.record.dedupeId(data.locationId, data.opportunityId), keepLastIfActive: true },
      });
      return added.id!;
    },
    async enqueueAgencyReconcile(agencyId) {
      const data = QUEUES.maintenance.schema.parse({ task: 'reconcile_agency', agencyId });
      const added = await maintenance.add(QUEUES.maintenance.jobNames.reconcileAgency, data, {
        attempts: 5,
        backoff: { type: 'exponential', delay: 2_000 },
        // An INSTALL that arrives while this agency's reconcile is listing may be missing from that
        // listing: keepLastIfActive runs one more reconcile after it instead of dropping the event.
        deduplication: { id: QUEUES.maintenance.agencyReconcileDedupeId(agencyId), keepLastIfActive: true },
      });
      return added.id!;
    },
    async close() {
      await Promise.allSettled([
        record.close(),
        coordinator.close(),
        page.close(),
        finalize.close(),
        maintenance.close(),
        flow.close(),
      ]);
    },
  };
}

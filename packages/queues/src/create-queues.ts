import { FlowProducer, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { DEFAULT_JOB_OPTIONS } from './default-job-options.js';
import { jobIds, runKey } from './job-ids.js';
import { JOB_SCHEMAS, type CoordinatorJob } from './job-schemas.js';
import { QUEUE_NAMES, type QueueKey } from './queue-names.js';

/** Page jobs added per Redis round trip. */
const PAGE_CHUNK = 200;
/** BullMQ's highest priority value (2^21). */
const MAX_PRIORITY = 2_097_152;
/** When a run's gate releases its flow parent if the enqueuing process died first, in ms. */
const GATE_FALLBACK_MS = 10 * 60_000;

/** Options for {@link createQueues}. */
export interface CreateQueuesOptions {
  /** A producer connection (see `createRedisConnection`). Shared by every queue here; not closed by `close()`. */
  connection: Redis;
  /** BullMQ key prefix. @defaultValue 'ghl-sync' */
  prefix?: string;
}

/** Producer handles for every queue plus the flow producer. */
export interface Queues {
  readonly prefix: string;
  readonly coordinator: Queue;
  readonly page: Queue;
  readonly finalize: Queue;
  readonly maintenance: Queue;
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
  close(): Promise<void>;
}

/** Builds the producer side of every queue in the catalog. */
export function createQueues(options: CreateQueuesOptions): Queues {
  const prefix = options.prefix ?? 'ghl-sync';
  const make = (key: QueueKey) => {
    const queue = new Queue(QUEUE_NAMES[key], {
      connection: options.connection,
      prefix,
      defaultJobOptions: DEFAULT_JOB_OPTIONS[key],
    });
    // Errors surface on the calls that hit them; the listener stops an unhandled 'error' crash.
    queue.on('error', () => undefined);
    return queue;
  };
  const coordinator = make('coordinator');
  const page = make('page');
  const finalize = make('finalize');
  const maintenance = make('maintenance');
  const flow = new FlowProducer({ connection: options.connection, prefix });
  flow.on('error', () => undefined);

  return {
    prefix,
    coordinator,
    page,
    finalize,
    maintenance,
    flow,
    all: () => [coordinator, page, finalize, maintenance],
    async enqueueCoordinator(job, run) {
      const data = JOB_SCHEMAS.coordinator.parse(job);
      const added = await coordinator.add('sync-location', data, run ? { jobId: jobIds.coordinator(runKey(run)) } : {});
      return added.id!;
    },
    async enqueuePageFlow({ run, locationId, pageNumbers }) {
      const key = runKey(run);
      const runId = run.id;
      const finalizeId = jobIds.finalize(key);
      const gateId = jobIds.gate(key);
      // The parent starts with one child, a gate that waits. Pages are then added in chunks (flat
      // memory whatever the account size) while the parent cannot finish early, and the gate is
      // released last. If this process dies before releasing it, the gate fires by itself after
      // GATE_FALLBACK_MS and the finalizer closes the run from its page rows.
      await flow.add({
        name: 'finalize-run',
        queueName: QUEUE_NAMES.finalize,
        data: JOB_SCHEMAS.finalize.parse({ runId, locationId }),
        opts: { ...DEFAULT_JOB_OPTIONS.finalize, jobId: finalizeId },
        children: [
          {
            name: 'flow-gate',
            queueName: QUEUE_NAMES.maintenance,
            data: JOB_SCHEMAS.maintenance.parse({ task: 'flow_gate', runId }),
            opts: { ...DEFAULT_JOB_OPTIONS.maintenance, jobId: gateId, delay: GATE_FALLBACK_MS },
          },
        ],
      });
      const parent = { id: finalizeId, queue: `${prefix}:${QUEUE_NAMES.finalize}` };
      for (let i = 0; i < pageNumbers.length; i += PAGE_CHUNK) {
        await page.addBulk(
          pageNumbers.slice(i, i + PAGE_CHUNK).map((pageNo) => ({
            name: 'sync-page',
            data: JOB_SCHEMAS.page.parse({ runId, locationId, pageNo }),
            // Lower runs first: every location's page 1 before anyone's page 2, so one large
            // location's thousands of pages cannot hold every worker slot while others wait.
            opts: {
              ...DEFAULT_JOB_OPTIONS.page,
              jobId: jobIds.page(key, pageNo),
              priority: Math.min(pageNo, MAX_PRIORITY),
              parent,
            },
          })),
        );
      }
      const gate = await maintenance.getJob(gateId);
      if (gate && (await gate.isDelayed())) await gate.promote();
    },
    async close() {
      await Promise.allSettled([
        coordinator.close(),
        page.close(),
        finalize.close(),
        maintenance.close(),
        flow.close(),
      ]);
    },
  };
}

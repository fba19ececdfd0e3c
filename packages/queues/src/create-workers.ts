import { Worker, type Job, type Telemetry } from 'bullmq';
import { GhlSyncError } from '@ghl-sync/errors';
import type { Logger } from '@ghl-sync/logger';
import { handleJobError } from './handle-job-error.js';
import { jobContext, type JobContext } from './job-context.js';
import { bullPrefix, type RedisClient } from './redis-connection.js';
import { QUEUE_KEYS, type JobData, type QueueCatalog, type QueueKey } from './queue-catalog.js';

/** What a handler gets besides the parsed payload. */
export interface HandlerContext {
  job: JobContext;
  /** Child logger bound to `{ queue, jobName, jobId, runId }`. */
  logger: Logger;
}

/** A job that failed for good: its last attempt failed, or its error cannot be retried. */
export interface FinalFailure<K extends QueueKey> extends HandlerContext {
  error: GhlSyncError;
  /** The parsed payload; `undefined` when the payload itself failed the schema (`job_payload_invalid`). */
  data: JobData<K> | undefined;
}

/** The processor of one queue and its hooks. */
export interface JobHandler<K extends QueueKey> {
  /** Does the job; what it returns becomes the job's return value. Throw to fail the attempt. */
  process(data: JobData<K>, ctx: HandlerContext): Promise<unknown>;
  /** Called once when the job fails for good, before BullMQ is told not to retry it. */
  onFinalFailure?(failure: FinalFailure<K>): Promise<void>;
  /** Called each time the job is delayed for its location's rate budget, with the delay in ms. */
  onDelayed?(data: JobData<K>, error: GhlSyncError, delayMs: number, ctx: HandlerContext): Promise<void>;
  /** Jobs of this queue one process runs at once. @defaultValue the catalog's `concurrency` hint */
  concurrency?: number;
  /** Total time a job may spend delayed for its location's budget, in ms. @defaultValue no cap */
  maxRateLimitWaitMs?: number;
}

/** One handler per queue of the catalog. */
export type WorkerHandlers = { [K in QueueKey]: JobHandler<K> };

/** Options for {@link createWorkers}. */
export interface CreateWorkersOptions {
  /** A worker-role connection (`maxRetriesPerRequest: null`); BullMQ duplicates it for blocking calls. */
  connection: RedisClient;
  /** BullMQ key prefix, as given to `createQueues` (hash-tagged the same way on a cluster). */
  prefix: string;
  logger: Logger;
  /** BullMQ lock duration and stalled-check interval, in ms. @defaultValue 30_000 */
  jobLockMs?: number;
  /**
   * Called with every `error` event of a Worker (its Redis connection failed, a lock could not be
   * renewed). The event is logged here already; use this to count it.
   */
  onWorkerError?(queue: string, err: Error): void;
  /**
   * Tracing of every job (see `createQueueTelemetry`): each attempt runs in a `process` span under
   * the context its job was added with. @defaultValue none
   */
  telemetry?: Telemetry;
}

/** The workers of one process. */
export interface Workers {
  all: Worker[];
  /** Starts taking jobs on every queue. */
  run(): void;
  /** Stops taking jobs and waits for active ones (BullMQ `Worker.close`). */
  close(force?: boolean): Promise<void>;
}

/**
 * Builds one BullMQ Worker per queue of the catalog. Every processor gets the same treatment: the
 * payload is parsed inside the error handling (a payload failing its schema fails the job as
 * `job_payload_invalid`, without a retry), a child logger bound to `{queue, jobName, jobId, runId}`,
 * the job context, and {@link handleJobError}'s policy (rate-limit delays, retries, final failure).
 * Workers are built stopped; call `run()`.
 */
export function createWorkers(catalog: QueueCatalog, handlers: WorkerHandlers, options: CreateWorkersOptions): Workers {
  const lockMs = options.jobLockMs ?? 30_000;
  const build = <K extends QueueKey>(key: K): Worker => {
    const spec = catalog[key];
    const handler = handlers[key];
    const worker = new Worker(
      spec.name,
      async (job: Job, token?: string) => {
        const rawRunId = (job.data as { runId?: unknown } | undefined)?.runId;
        const logger = options.logger.child({
          queue: spec.name,
          jobName: job.name,
          jobId: job.id,
          ...(typeof rawRunId === 'number' ? { runId: rawRunId } : {}),
        });
        const ctx: HandlerContext = { job: jobContext(job), logger };
        let data: JobData<K> | undefined;
        try {
          const parsed = spec.schema.safeParse(job.data);
          if (!parsed.success)
            throw new GhlSyncError(
              'job_payload_invalid',
              `${spec.name} job payload: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`,
            );
          data = parsed.data as JobData<K>;
          return await handler.process(data, ctx);
        } catch (err) {
          const parsedData = data;
          return handleJobError(err, {
            job,
            token,
            maxRateLimitWaitMs: handler.maxRateLimitWaitMs ?? Number.MAX_SAFE_INTEGER,
            onConnectionLoss: (error, delayMs) =>
              logger.warn(
                { attemptsMade: job.attemptsMade, delayMs, reason: error.message },
                'job cut by a lost Postgres connection: runs again shortly, no attempt spent',
              ),
            onDelayed: async (error, delayMs) => {
              if (parsedData) await handler.onDelayed?.(parsedData, error, delayMs, ctx);
            },
            onFinalFailure: async (error) => {
              await handler.onFinalFailure?.({ ...ctx, error, data: parsedData });
            },
          });
        }
      },
      {
        connection: options.connection,
        prefix: bullPrefix(options.prefix, options.connection),
        autorun: false,
        // A job whose worker died is moved back to waiting by the stalled check once its lock expires.
        lockDuration: lockMs,
        stalledInterval: lockMs,
        concurrency: handler.concurrency ?? spec.concurrency,
        telemetry: options.telemetry,
      },
    );
    worker.on('error', (err) => {
      options.logger.warn({ err: { message: err.message }, queue: spec.name }, 'worker connection error');
      options.onWorkerError?.(spec.name, err);
    });
    worker.on('failed', (job, err) => {
      if (job && err.name !== 'DelayedError')
        options.logger.warn(
          { queue: spec.name, jobName: job.name, jobId: job.id, attemptsMade: job.attemptsMade, reason: err.message },
          'job attempt failed',
        );
    });
    return worker;
  };

  const all = QUEUE_KEYS.map((key) => build(key));
  return {
    all,
    run() {
      for (const worker of all) void worker.run();
    },
    async close(force = false) {
      await Promise.all(all.map((w) => w.close(force)));
    },
  };
}

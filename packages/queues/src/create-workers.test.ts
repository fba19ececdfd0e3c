import { Writable } from 'node:stream';
import { QueueEvents } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GhlSyncError } from '@ghl-sync/errors';
import { createLogger } from '@ghl-sync/logger';
import { createTestRedis, type TestRedis } from '@ghl-sync/testing';
import {
  QUEUES,
  createQueues,
  createRedisConnection,
  createWorkers,
  type FinalFailure,
  type Queues,
  type WorkerHandlers,
  type Workers,
} from '@ghl-sync/queues';

let redis: TestRedis;
let queues: Queues;
let workers: Workers | undefined;
let events: QueueEvents;
const connections: Array<ReturnType<typeof createRedisConnection>> = [];
const lines: Array<Record<string, unknown>> = [];
const logger = createLogger({
  name: 'test',
  level: 'debug',
  format: 'json',
  destination: new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  }),
});

beforeEach(async () => {
  redis = await createTestRedis();
  const producer = createRedisConnection(redis.url, 'producer');
  connections.push(producer);
  queues = createQueues({ connection: producer, prefix: redis.prefix });
  events = new QueueEvents(QUEUES.page.name, { connection: { url: redis.url }, prefix: redis.prefix });
  await events.waitUntilReady();
  lines.length = 0;
});
afterEach(async () => {
  await workers?.close(true);
  await events.close();
  await queues.close();
  for (const c of connections.splice(0)) c.disconnect();
  await redis.cleanup();
});

/** Handlers that do nothing except on the page queue. */
function handlers(page: Partial<WorkerHandlers['page']>): WorkerHandlers {
  const none = { process: async () => null };
  return {
    coordinator: none,
    finalize: none,
    maintenance: none,
    record: none,
    page: { process: async () => null, ...page },
  };
}

function start(h: WorkerHandlers): Workers {
  const connection = createRedisConnection(redis.url, 'worker');
  connections.push(connection);
  workers = createWorkers(QUEUES, h, { connection, prefix: redis.prefix, logger });
  workers.run();
  return workers;
}

function failedFor(jobId: string): Promise<string> {
  return new Promise((resolve) =>
    events.on('failed', ({ jobId: id, failedReason }) => {
      if (id === jobId) resolve(failedReason);
    }),
  );
}

describe('createWorkers(QUEUES, handlers)', () => {
  it('builds one worker per queue of the catalog, on the persisted queue names', () => {
    const w = start(handlers({}));
    expect(w.all.map((worker) => worker.name)).toEqual([
      'sync-coordinator',
      'sync-page',
      'sync-finalize',
      'sync-record',
      'sync-maintenance',
    ]);
    expect(w.all.map((worker) => worker.opts.concurrency)).toEqual([16, 8, 4, 4, 1]);
  });

  it('fails a job whose payload breaks its schema once, as job_payload_invalid, without calling process', async () => {
    const processed: unknown[] = [];
    const failures: Array<FinalFailure<'page'>> = [];
    start(
      handlers({
        process: async (data) => void processed.push(data),
        onFinalFailure: async (failure) => void failures.push(failure),
      }),
    );
    // Written around the typed API, as an old or foreign producer could.
    const job = await queues.page.add(QUEUES.page.jobNames.page, {
      runId: 7,
      locationId: 'loc',
      pageNo: 'two',
    } as never);
    const reason = await failedFor(job.id!);
    expect(reason).toMatch(/^job_payload_invalid: sync-page job payload: pageNo /);
    const after = await queues.page.getJob(job.id!);
    expect(after?.attemptsMade).toBe(1);
    expect(QUEUES.page.defaultJobOptions.attempts).toBeGreaterThan(1);
    expect(processed).toEqual([]);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.data).toBeUndefined();
    expect(failures[0]!.error.code).toBe('job_payload_invalid');
  });

  it('retries a retryable error, then reports the final failure once with the parsed payload and a bound logger', async () => {
    let attempts = 0;
    const failures: Array<FinalFailure<'page'>> = [];
    start(
      handlers({
        process: async (_data, ctx) => {
          attempts += 1;
          ctx.logger.info('attempt');
          throw new GhlSyncError('ghl_server_error', `boom ${attempts}`);
        },
        onFinalFailure: async (failure) => void failures.push(failure),
      }),
    );
    const job = await queues.page.add(
      QUEUES.page.jobNames.page,
      { runId: 7, locationId: 'loc', pageNo: 3 },
      { attempts: 2, backoff: { type: 'fixed', delay: 10 } },
    );
    const reason = await failedFor(job.id!);
    expect(reason).toBe('ghl_server_error: boom 2');
    expect(attempts).toBe(2);
    expect(failures.map((f) => [f.error.code, f.data])).toEqual([
      ['ghl_server_error', { runId: 7, locationId: 'loc', pageNo: 3, rateLimitWaitedMs: 0 }],
    ]);
    const attemptLines = lines.filter((l) => l['msg'] === 'attempt');
    expect(attemptLines).toHaveLength(2);
    expect(attemptLines[0]).toMatchObject({ queue: 'sync-page', jobName: 'sync-page', jobId: job.id, runId: 7 });
  });

  it('runs a job cut by a lost Postgres connection again without spending an attempt', async () => {
    let runs = 0;
    const failures: Array<FinalFailure<'page'>> = [];
    start(
      handlers({
        process: async () => {
          runs += 1;
          if (runs <= 2)
            throw new GhlSyncError('db_error', 'Postgres: terminating connection due to administrator command', {
              details: { pgCode: '57P01', connectionLost: true },
            });
          return { runs };
        },
        onFinalFailure: async (failure) => void failures.push(failure),
      }),
    );
    // One attempt only: were a lost connection to spend it, the job would fail at once.
    const job = await queues.page.add(
      QUEUES.page.jobNames.page,
      { runId: 7, locationId: 'loc', pageNo: 3 },
      { attempts: 1 },
    );
    const completed = await new Promise<unknown>((resolve) =>
      events.on('completed', ({ jobId, returnvalue }) => {
        if (jobId === job.id) resolve(returnvalue);
      }),
    );
    expect(completed).toEqual({ runs: 3 });
    const after = await queues.page.getJob(job.id!);
    // BullMQ counts the attempt that completed; the two cut ones were not counted.
    expect(after?.attemptsMade).toBe(1);
    expect(after?.data.connectionLossWaitedMs).toBeGreaterThanOrEqual(1_000);
    expect(failures).toEqual([]);
    expect(lines.filter((l) => String(l['msg']).startsWith('job cut by a lost Postgres connection'))).toHaveLength(2);
  });
});

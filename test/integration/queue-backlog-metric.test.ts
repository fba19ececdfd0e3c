import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { createMetrics } from '@ghl-sync/metrics';
import { createTestRedis, type TestRedis } from '@ghl-sync/testing';

// The backlog an autoscaler reads (docs/kubernetes.md): prioritised page jobs count, rate-limit and
// retry delays count, a location's next scheduled fire an hour away does not.
let r: TestRedis;
let connection: Redis;
let queue: Queue;
beforeEach(async () => {
  r = await createTestRedis();
  connection = new Redis(r.url, { maxRetriesPerRequest: null });
  queue = new Queue('sync-page', { connection, prefix: r.prefix });
});
afterEach(async () => {
  await queue.close();
  connection.disconnect();
  await r.cleanup();
});

async function sample(
  metrics: ReturnType<typeof createMetrics>,
  name: string,
  labels: string,
): Promise<number | undefined> {
  const text = await metrics.registry.getSingleMetricAsString(name);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('ghl_sync_queue_backlog', () => {
  it('counts active, waiting, prioritized and soon-due delayed jobs, not far delays or schedules', async () => {
    await queue.add('page', { n: 1 });
    await queue.add('page', { n: 2 }, { priority: 3 });
    await queue.add('page', { n: 3 }, { priority: 7 });
    await queue.add('page', { n: 4 }, { delay: 5_000 }); // a rate-limit delay or a retry backoff
    await queue.add('page', { n: 5 }, { delay: 2 * 60 * 60_000 });
    await queue.upsertJobScheduler('location-a', { pattern: '0 0 1 1 *' }, { name: 'scheduled' });
    const worker = new Worker('sync-page', null, { connection, prefix: r.prefix, autorun: false });
    try {
      const taken = await worker.getNextJob('test-token');
      expect(taken).toBeDefined();

      const counts = await queue.getJobCounts('active', 'waiting', 'prioritized', 'delayed');
      expect(counts).toEqual({ active: 1, waiting: 0, prioritized: 2, delayed: 3 });

      const metrics = createMetrics({ service: 'test', processMetrics: false, queues: [queue] });
      expect(await sample(metrics, 'ghl_sync_queue_jobs', 'state="delayed"')).toBe(3);
      // 1 active + 2 prioritized + the job due in 5 s; not the one due in 2 h, not next year's fire.
      expect(await sample(metrics, 'ghl_sync_queue_backlog', 'queue="sync-page"')).toBe(4);

      const wider = createMetrics({
        service: 'test',
        processMetrics: false,
        queues: [queue],
        backlogHorizonMs: 3 * 60 * 60_000,
      });
      expect(await sample(wider, 'ghl_sync_queue_backlog', 'queue="sync-page"')).toBe(5);
    } finally {
      await worker.close(true);
    }
  });

  it('leaves a queue out when Redis does not answer, rather than reporting no work', async () => {
    // The queue the metrics read switches to a Redis that does not answer (nothing listens on port 1).
    const deadConnection = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    deadConnection.on('error', () => undefined); // refused connects are the point here
    const dead = new Queue('sync-page', { connection: deadConnection, prefix: r.prefix });
    dead.on('error', () => undefined);
    let current = queue;
    const metrics = createMetrics({
      service: 'test',
      processMetrics: false,
      queues: () => [current],
      collectCacheMs: 0,
      collectTimeoutMs: 1_000,
    });
    await queue.add('page', { n: 1 });
    expect(await sample(metrics, 'ghl_sync_queue_backlog', 'queue="sync-page"')).toBe(1);
    current = dead;
    try {
      expect(await sample(metrics, 'ghl_sync_queue_backlog', 'queue="sync-page"')).toBeUndefined();
      expect(await sample(metrics, 'ghl_sync_dependency_up', 'dependency="redis"')).toBe(0);
    } finally {
      deadConnection.disconnect();
    }
  });
});

import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRedis, type TestRedis } from '@ghl-sync/testing';
import { createMetrics } from './create-metrics.js';
import type { MetricsQueue } from './queue-backlog.js';

// A Redis that accepts connections and never answers: what a hung or half-dead Redis looks like
// to a client (a stopped one refuses; this is the worse case, a scrape that could wait forever).
let blackHole: Server;
const sockets: Socket[] = [];
let redis: TestRedis;
beforeAll(async () => {
  blackHole = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
  redis = await createTestRedis();
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => blackHole.close(() => resolve()));
  await redis?.cleanup();
});

const line = (text: string, name: string) => text.split('\n').find((l) => l.startsWith(name));

describe('metrics collection from Redis and Postgres', () => {
  it('answers within its time box while Redis never answers, with ghl_sync_dependency_up{redis} 0', async () => {
    const { port } = blackHole.address() as AddressInfo;
    const queue = new Queue('sync-page', {
      connection: { host: '127.0.0.1', port, maxRetriesPerRequest: null, enableOfflineQueue: true },
    });
    queue.on('error', () => undefined);
    try {
      const metrics = createMetrics({
        service: 'test',
        processMetrics: false,
        queues: [queue],
        collectTimeoutMs: 300,
      });
      const text = await metrics.registry.metrics();
      expect(line(text, 'ghl_sync_dependency_up{dependency="redis"')).toMatch(/ 0$/);
      // Left out, never reported as 0: an autoscaler must not read an outage as "no work".
      expect(text).not.toMatch(/^ghl_sync_queue_backlog\{/m);
    } finally {
      await Promise.race([queue.close(), new Promise((r) => setTimeout(r, 500))]);
    }
  });

  it('reads Redis once for scrapes within the cache window, and reports it up', async () => {
    const queue = new Queue('sync-page', { connection: { url: redis.url }, prefix: redis.prefix });
    let reads = 0;
    const counted: MetricsQueue = {
      name: queue.name,
      getJobCounts: (...states) => {
        reads += 1;
        return queue.getJobCounts(...states);
      },
      getDelayedCount: (t) => queue.getDelayedCount(t),
    };
    try {
      await queue.add('page', {}, { delay: 0 });
      const metrics = createMetrics({
        service: 'test',
        processMetrics: false,
        queues: [counted],
        collectCacheMs: 60_000,
      });
      const first = await metrics.registry.metrics();
      const second = await metrics.registry.metrics();
      expect(line(first, 'ghl_sync_dependency_up{dependency="redis"')).toMatch(/ 1$/);
      expect(line(first, 'ghl_sync_queue_jobs{queue="sync-page",state="waiting"')).toMatch(/ 1$/);
      expect(second).toBe(first);
      // Each reading asks twice (the states, and the backlog's own counts); one reading in all.
      expect(reads).toBe(2);
    } finally {
      await queue.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWorker } from '@ghl-sync/worker';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const sample = (text: string, metric: string, labels: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${metric}{`) && l.includes(labels));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};

// #5 "Metrics" on a worker's own port, and `resync` mode.
describe('worker metrics and resync', () => {
  let stack: TestStack;
  let worker: RunningWorker;
  let loc: string;
  beforeAll(async () => {
    stack = await startTestStack({ sandbox: { seed: 101, locations: [{ opportunities: 250 }] } });
    loc = stack.sandbox.locations[0]!.id;
    [worker] = (await stack.startWorkers(1)) as [RunningWorker];
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('serves Prometheus metrics of what the worker did: requests, writes, runs, queue depth, memory', async () => {
    const run = await stack.sync(loc);
    expect(run).toMatchObject({ status: 'completed', inserted: 250, apiCalls: 7 });
    const res = await fetch(`http://127.0.0.1:${worker.metricsPort}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(sample(text, 'ghl_sync_ghl_requests_total', 'endpoint="search",status="200"')).toBe(6);
    expect(sample(text, 'ghl_sync_ghl_requests_total', 'endpoint="pipelines",status="200"')).toBe(1);
    expect(sample(text, 'ghl_sync_ghl_request_duration_seconds_count', 'endpoint="search"')).toBe(6);
    expect(sample(text, 'ghl_sync_opportunities_written_total', 'operation="inserted"')).toBe(250);
    expect(sample(text, 'ghl_sync_runs_finished_total', 'status="completed"')).toBe(1);
    expect(sample(text, 'ghl_sync_queue_jobs', 'queue="sync-page",state="completed"')).toBe(3);
    expect(text).toMatch(/^ghl_sync_process_resident_memory_bytes\{service="worker"\} \d+/m);
    expect(text).toMatch(/^ghl_sync_nodejs_eventloop_lag_seconds\{service="worker"\} [\d.e-]+/m);
  });

  it('serves /health and /ready on the metrics port, and no backlog once the run is done', async () => {
    const health = await fetch(`http://127.0.0.1:${worker.metricsPort}/health`);
    expect(health.status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${worker.metricsPort}/ready`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
    const text = await (await fetch(`http://127.0.0.1:${worker.metricsPort}/metrics`)).text();
    expect(sample(text, 'ghl_sync_queue_backlog', 'queue="sync-page"')).toBe(0);
  });

  it('resync rewrites every row even when nothing changed, without emptying the table', async () => {
    const before = await stack.database.db.query<{ n: number }>(`SELECT count(*) AS n FROM ghl.opportunities`);
    const run = await stack.sync(loc, { mode: 'resync' });
    expect(run).toMatchObject({
      status: 'completed',
      mode: 'resync',
      inserted: 0,
      updated: 250,
      unchanged: 0,
      deleted: 0,
    });
    const after = await stack.database.db.query<{ n: number; fresh: number }>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE synced_at >= $1) AS fresh FROM ghl.opportunities`,
      [run.startedAt],
    );
    expect(after.rows[0]).toEqual({ n: before.rows[0]!.n, fresh: 250 });
  });
});

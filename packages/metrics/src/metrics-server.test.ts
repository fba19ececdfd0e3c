import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { startMetricsServer } from './metrics-server.js';
import { answersWithin } from './answers-within.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function get(port: number, path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  const text = await res.text();
  return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

describe('startMetricsServer probes', () => {
  it('answers /health without asking the readiness check, and /ready with the dependencies that failed', async () => {
    let readyCalls = 0;
    let failing: string[] = ['postgres'];
    const server = await startMetricsServer(new Registry(), 0, '127.0.0.1', {
      ready: async () => {
        readyCalls += 1;
        return failing;
      },
    });
    close = server.close;
    expect(await get(server.port, '/health')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(readyCalls).toBe(0);
    expect(await get(server.port, '/ready')).toEqual({
      status: 503,
      body: { status: 'not_ready', failed: ['postgres'] },
    });
    failing = [];
    expect(await get(server.port, '/ready')).toEqual({ status: 200, body: { status: 'ready' } });
    expect(readyCalls).toBe(2);
  });

  it('reports a readiness check that throws as not ready', async () => {
    const server = await startMetricsServer(new Registry(), 0, '127.0.0.1', {
      ready: () => Promise.reject(new Error('pool closed')),
    });
    close = server.close;
    expect(await get(server.port, '/ready')).toEqual({
      status: 503,
      body: { status: 'not_ready', failed: ['readiness probe'] },
    });
  });
});

describe('answersWithin', () => {
  it('is false for a probe that never settles, true for one that resolves, false for one that rejects', async () => {
    expect(await answersWithin(() => new Promise(() => undefined), 20)).toBe(false);
    expect(await answersWithin(async () => 'PONG', 1_000)).toBe(true);
    expect(await answersWithin(() => Promise.reject(new Error('refused')), 1_000)).toBe(false);
  });
});

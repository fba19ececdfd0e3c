import { describe, expect, it } from 'vitest';
import { installGracefulShutdown } from '@ghl-sync/lifecycle';

const quiet = { info: () => undefined, error: () => undefined };

describe('installGracefulShutdown', () => {
  it('runs the closers once, in order, and exits 0 after a clean SIGTERM (#5)', async () => {
    const order: string[] = [];
    const codes: number[] = [];
    const shutdown = installGracefulShutdown({
      closers: ['http', 'queues', 'redis', 'postgres'].map((name) => ({ name, close: async () => void order.push(name) })),
      logger: quiet,
      exit: (code) => void codes.push(code),
    });
    await Promise.all([shutdown('SIGTERM'), shutdown('SIGINT')]);
    expect(order).toEqual(['http', 'queues', 'redis', 'postgres']);
    expect(codes).toEqual([0]);
  });

  it('keeps closing after a step fails, then exits 1', async () => {
    const order: string[] = [];
    const codes: number[] = [];
    const shutdown = installGracefulShutdown({
      closers: [
        { name: 'http', close: async () => { throw new Error('boom'); } },
        { name: 'postgres', close: async () => void order.push('postgres') },
      ],
      logger: quiet,
      exit: (code) => void codes.push(code),
    });
    await shutdown();
    expect(order).toEqual(['postgres']);
    expect(codes).toEqual([1]);
  });
});

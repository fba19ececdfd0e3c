import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from 'ioredis';
import { startTestStack, type TestStack } from '../support/test-stack.js';

// Runs only in the cluster set (vitest.cluster.config.ts). The other files of the set prove that
// syncs, limits, locks and schedules work on a cluster; this one pins the key layout that makes them
// work, so a new key family without a hash tag is caught even before it breaks a script.
describe('key layout on a Redis Cluster', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({
      sandbox: { seed: 3, locations: [{ opportunities: 230 }, { opportunities: 40 }, { opportunities: 40 }] },
    });
    await stack.startWorkers(1);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('runs on a cluster: the test kit and the deployment under test both use a Cluster connection', () => {
    expect(stack.redis.cluster).toBe(true);
    expect(stack.redis.redis).toBeInstanceOf(Cluster);
    expect(stack.env['REDIS_CLUSTER_NODES']).toBeDefined();
    expect(stack.env['REDIS_URL']).toBeUndefined();
    expect(stack.queues.prefix).toBe(`{${stack.redis.prefix}}`);
  });

  it('puts every queue key in the slot of {prefix} and each location budget in the slot of {locationId}', async () => {
    for (const l of stack.sandbox.locations) expect(await stack.sync(l.id)).toMatchObject({ status: 'completed' });
    const slot = async (key: string) => Number(await stack.redis.redis.cluster('KEYSLOT', key));
    const prefix = stack.redis.prefix;

    const queueKeys = await stack.redis.keys(`{${prefix}}:*`);
    // The finalize parent, its page and gate children, the coordinator: every queue wrote keys.
    for (const queue of ['sync-coordinator', 'sync-page', 'sync-finalize', 'sync-maintenance'])
      expect(
        queueKeys.some((k) => k.startsWith(`{${prefix}}:${queue}:`)),
        queue,
      ).toBe(true);
    const queueSlots = new Set(await Promise.all(queueKeys.map(slot)));
    expect([...queueSlots]).toEqual([await slot(`{${prefix}}`)]);

    for (const l of stack.sandbox.locations) {
      const budget = await stack.redis.keys(`${prefix}:rl:{${l.id}}:*`);
      expect(budget.length, l.id).toBeGreaterThan(0);
      expect(new Set(await Promise.all(budget.map(slot)))).toEqual(new Set([await slot(`{${l.id}}`)]));
    }

    // Nothing of ours outside a hash tag: a key family added later without one is caught here.
    const ours = [...queueKeys, ...(await stack.redis.keys(`${prefix}*`))];
    expect(ours.filter((k) => !/\{[^}]+\}/.test(k))).toEqual([]);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isGhlSyncError } from '@ghl-sync/errors';
import { createRateLimiter, type RateLimiter, type RateLimiterLogger, type RequestClass } from './index.js';
import type { RateLimiterOptions } from './rate-limiter-options.js';
import { createTestRedis, type TestRedis } from '@ghl-sync/testing';

let r: TestRedis;
beforeEach(async () => {
  r = await createTestRedis();
});
afterEach(async () => {
  await r.cleanup();
});

interface Grant {
  requestClass: RequestClass;
  atMs: number;
  capped: boolean;
  shareWaitMs: number;
}

/** A logger keeping the limiter's grants (its debug line per slot granted, on Redis's clock). */
function grantLog(): RateLimiterLogger & { grants: Grant[] } {
  const grants: Grant[] = [];
  const none = () => undefined;
  return {
    grants,
    debug: (o, m) => {
      if (m !== 'rate slot granted') return;
      const line = o as Record<string, unknown>;
      grants.push({
        requestClass: line['requestClass'] as RequestClass,
        atMs: line['grantedAtMs'] as number,
        capped: line['recordShareCapped'] === true,
        shareWaitMs: Number(line['shareWaitMs'] ?? 0),
      });
    },
    info: none,
    warn: none,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Asks for slots one after another until `stop()` says so; a refusal waits what it was told, as a delayed job would. */
async function keepAsking(
  limiter: RateLimiter,
  loc: string,
  maxWaitMs: number,
  requestClass: RequestClass,
  stop: () => boolean,
): Promise<void> {
  while (!stop()) {
    try {
      await limiter.acquire(loc, maxWaitMs, requestClass);
    } catch (err) {
      if (!isGhlSyncError(err, 'ghl_rate_limited')) throw err;
      await sleep(Number(err.details['retryAfterMs']));
    }
  }
}

/**
 * Two limiter instances (two processes) on one location: 6 sync callers that always want a slot
 * (pass-1 chains: long waits, so the location's slots never go idle) against 12 record callers
 * (record jobs: 3 s waits), until the sync has had `syncGrants` slots. The sync asks first, as a
 * running one has. Returns the grants made from the sync's first to its last.
 */
async function contend(options: Partial<RateLimiterOptions>, syncGrants: number): Promise<Grant[]> {
  const log = grantLog();
  const base = {
    redis: r.redis,
    prefix: r.prefix,
    // 12 per second, burst 1: a steady 10/s, one slot every 100 ms.
    maxRequests: 12,
    intervalMs: 1_000,
    safetyMargin: 0,
    burst: 1,
    dailyLimit: 0,
    logger: log,
    ...options,
  };
  const a = createRateLimiter(base);
  const b = createRateLimiter(base);
  await a.acquire('loc', 60_000, 'sync');
  const done = () => log.grants.filter((g) => g.requestClass === 'sync').length >= syncGrants;
  await Promise.all([
    ...Array.from({ length: 6 }, (_, i) => keepAsking(i % 2 ? a : b, 'loc', 60_000, 'sync', done)),
    ...Array.from({ length: 12 }, (_, i) => keepAsking(i % 2 ? a : b, 'loc', 3_000, 'record', done)),
  ]);
  const syncTimes = log.grants.filter((g) => g.requestClass === 'sync').map((g) => g.atMs);
  const [first, last] = [Math.min(...syncTimes), Math.max(...syncTimes)];
  return log.grants.filter((g) => g.atMs >= first && g.atMs <= last);
}

/** The most record grants the cap allows among `total`: its share, plus the burst the record GCRA lets through at once. */
const mostRecords = (share: number, total: number, burst: number) => Math.ceil(share * total) + burst + 1;

describe('record share of the budget while a sync runs', () => {
  it('gives record requests at most their share of the grants and the sync the rest, across processes', async () => {
    const share = 0.25;
    const burst = 1;
    const grants = await contend({ recordShare: share }, 45);
    const records = grants.filter((g) => g.requestClass === 'record').length;
    const syncs = grants.length - records;
    expect(records).toBeLessThanOrEqual(mostRecords(share, grants.length, burst));
    expect(syncs).toBeGreaterThanOrEqual(Math.floor((1 - share) * grants.length) - burst - 1);
    // Records are not starved either: they get their share, ahead of the sync when it is free.
    expect(records).toBeGreaterThanOrEqual(Math.floor((share / 2) * grants.length));
    expect(grants.filter((g) => g.requestClass === 'record').every((g) => g.capped)).toBe(true);
  });

  it('without a share (1), the same record callers take most of the slots (what the cap prevents)', async () => {
    const grants = await contend({ recordShare: 1 }, 15);
    const records = grants.filter((g) => g.requestClass === 'record').length;
    expect(records).toBeGreaterThan(mostRecords(0.25, grants.length, 1));
    expect(records).toBeGreaterThan(0.5 * grants.length);
  });

  it('does not cap record requests while no sync asks, and caps them from a sync’s first request', async () => {
    const log = grantLog();
    const limiter = createRateLimiter({
      redis: r.redis,
      prefix: r.prefix,
      maxRequests: 22,
      intervalMs: 1_000,
      safetyMargin: 0,
      burst: 1,
      dailyLimit: 0,
      recordShare: 0.25,
      // The sync below asks once: it must count as running while the records after it wait.
      syncWindowMs: 10_000,
      logger: log,
    });
    await Promise.all(Array.from({ length: 12 }, () => limiter.acquire('loc', 10_000, 'record')));
    expect(log.grants).toHaveLength(12);
    expect(log.grants.every((g) => !g.capped && g.shareWaitMs === 0)).toBe(true);
    // Nothing was run up against a later sync: the record time line was never written.
    expect(await r.redis.exists(`${r.prefix}:rl:{loc}:record-tat`)).toBe(0);

    log.grants.length = 0;
    await limiter.acquire('loc', 10_000, 'sync');
    const [sec, usec] = await r.redis.time();
    const recordsAskedAtMs = Number(sec) * 1000 + Number(usec) / 1000;
    await Promise.all(Array.from({ length: 8 }, () => limiter.acquire('loc', 10_000, 'record')));
    const records = log.grants.filter((g) => g.requestClass === 'record');
    expect(records.every((g) => g.capped)).toBe(true);
    expect(records.some((g) => g.shareWaitMs > 0)).toBe(true);
    // One record slot per 4 location slots (200 ms), read on the limiter's own record time line
    // (Redis clock, µs) rather than from when each caller happened to be granted, which a loaded
    // machine delays: 8 capped records reserved 8 × 200 ms from no earlier than they were asked.
    const recordTatMs = Number(await r.redis.get(`${r.prefix}:rl:{loc}:record-tat`)) / 1000;
    expect(recordTatMs).toBeGreaterThanOrEqual(recordsAskedAtMs + 8 * 200);
  });

  it('lifts the cap once the sync has asked nothing for the sync window', async () => {
    const log = grantLog();
    const limiter = createRateLimiter({
      redis: r.redis,
      prefix: r.prefix,
      maxRequests: 22,
      intervalMs: 1_000,
      safetyMargin: 0,
      burst: 1,
      dailyLimit: 0,
      recordShare: 0.25,
      syncWindowMs: 300,
      logger: log,
    });
    await limiter.acquire('loc', 10_000, 'sync');
    await limiter.acquire('loc', 10_000, 'record');
    expect(log.grants.at(-1)).toMatchObject({ requestClass: 'record', capped: true });
    for (let i = 0; i < 100 && (await r.redis.exists(`${r.prefix}:rl:{loc}:sync-seen`)) === 1; i++) await sleep(50);
    await limiter.acquire('loc', 10_000, 'record');
    expect(log.grants.at(-1)).toMatchObject({ requestClass: 'record', capped: false });
  });

  it('lifts the cap at once when the sync is ended (its run closed)', async () => {
    const log = grantLog();
    const limiter = createRateLimiter({
      redis: r.redis,
      prefix: r.prefix,
      maxRequests: 22,
      intervalMs: 1_000,
      safetyMargin: 0,
      burst: 1,
      dailyLimit: 0,
      recordShare: 0.25,
      // A mark that would outlive the test: only syncEnded can lift the cap here.
      syncWindowMs: 600_000,
      logger: log,
    });
    await limiter.acquire('loc', 10_000, 'sync');
    await limiter.acquire('loc', 10_000, 'record');
    expect(log.grants.at(-1)).toMatchObject({ requestClass: 'record', capped: true });
    await limiter.syncEnded('loc');
    await limiter.acquire('loc', 10_000, 'record');
    expect(log.grants.at(-1)).toMatchObject({ requestClass: 'record', capped: false });
  });

  it('refuses a record request whose share is further than its wait, reserving nothing', async () => {
    const limiter = createRateLimiter({
      redis: r.redis,
      prefix: r.prefix,
      maxRequests: 22,
      intervalMs: 1_000,
      safetyMargin: 0,
      burst: 1,
      dailyLimit: 0,
      recordShare: 0.25,
    });
    const tat = `${r.prefix}:rl:{loc}:tat`;
    await limiter.acquire('loc', 0, 'sync');
    // The record share's burst (2), then its next slot is 200 ms away: beyond a 100 ms wait.
    await limiter.acquire('loc', 100, 'record');
    await limiter.acquire('loc', 100, 'record');
    const before = await r.redis.get(tat);
    const refused = await limiter.acquire('loc', 100, 'record').catch((err: unknown) => err);
    expect(refused).toMatchObject({ code: 'ghl_rate_limited', details: { recordShare: true, paused: false } });
    expect(await r.redis.get(tat)).toBe(before);
  });

  it('refuses a share outside (0, 1] and an empty sync window', () => {
    for (const recordShare of [0, -0.1, 1.5])
      expect(() => createRateLimiter({ redis: r.redis, recordShare })).toThrow(/recordShare/);
    expect(() => createRateLimiter({ redis: r.redis, syncWindowMs: 0 })).toThrow(/syncWindowMs/);
  });
});

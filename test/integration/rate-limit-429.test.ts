import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRun } from '@ghl-sync/db';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { queuedPages } from '../support/queued-pages.js';

// #4: 429 answers pause the whole location for Retry-After (seconds or HTTP-date) or, without it,
// for the burst interval from the headers; the run still completes exactly.
const INTERVAL_MS = 2_000;

/** The rate limiter's own account of one location, on Redis's clock (the in-process workers log at debug). */
function limiterTimeline(stack: TestStack, locationId: string) {
  const lines = stack.logs
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l['locationId'] === locationId);
  return {
    grants: lines.filter((l) => l['msg'] === 'rate slot granted').map((l) => l['grantedAtMs'] as number),
    pauses: lines
      .filter((l) => l['msg'] === 'location paused after GHL answered 429')
      .map((l) => ({ at: l['pausedAtMs'] as number, until: l['pausedUntilMs'] as number })),
  };
}

/**
 * Causality, not a wall-clock window: once the pause is recorded, the limiter grants no request for the
 * location until it ends (requests granted earlier may still be in flight: they are not the limiter's to
 * stop), and every request GHL received went through the limiter.
 */
function expectPauseHonoured(stack: TestStack, locationId: string, minPauseMs: number) {
  const { grants, pauses } = limiterTimeline(stack, locationId);
  expect(pauses).toHaveLength(1);
  const pause = pauses[0]!;
  expect(pause.until - pause.at).toBeGreaterThanOrEqual(minPauseMs);
  // Redis stamps in whole milliseconds: a grant stamped in the pause's own millisecond may have been
  // run by Redis just before the pause, so only later grants can prove a breach.
  expect(
    grants.filter((at) => at > pause.at && at < pause.until),
    JSON.stringify({ pause, grants }),
  ).toEqual([]);
  expect(grants.some((at) => at >= pause.until)).toBe(true);
  expect(grants).toHaveLength(stack.sandbox.admin.getStats(locationId).requests);
}

/**
 * Starts a run with the page queue paused, and once its page jobs are all queued, sets `knobs` and
 * releases them: the knobs hit the page phase, whatever the machine's speed.
 */
async function startInPagePhase(
  stack: TestStack,
  locationId: string,
  pages: number,
  knobs: Parameters<TestStack['sandbox']['admin']['setKnobs']>[1],
) {
  await stack.queues.page.pause();
  try {
    const run = await stack.startRun(locationId);
    for (let i = 0; ; i++) {
      if (i > 3_000) throw new Error(`run ${run.id} never queued its pages`);
      // A paused queue keeps its jobs waiting; page jobs carry a priority, so BullMQ counts them as 'prioritized'.
      if ((await getRun(stack.database.db, run.id))?.status === 'writing' && (await queuedPages(stack)) === pages)
        break;
      await new Promise((r) => setTimeout(r, 10));
    }
    stack.sandbox.admin.setKnobs(locationId, knobs);
    return run;
  } finally {
    await stack.queues.page.resume();
  }
}

/** Forwards to the sandbox and, for `dateLocationId`, rewrites a numeric `Retry-After` into the equivalent HTTP-date. */
async function startHttpDateProxy(target: string, dateLocationId: () => string): Promise<Server & { url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([k]) => k !== 'host' && k !== 'content-length'),
      ) as Record<string, string>;
      void fetch(`${target}${req.url}`, {
        method: req.method,
        headers,
        ...(chunks.length > 0 && { body: Buffer.concat(chunks) }),
      }).then(async (up) => {
        const out: Record<string, string> = {};
        up.headers.forEach((v, k) => {
          if (k !== 'content-length' && k !== 'content-encoding' && k !== 'transfer-encoding' && k !== 'connection')
            out[k] = v;
        });
        const forDate = new URL(req.url ?? '/', target).searchParams.get('location_id') === dateLocationId();
        if (forDate && out['retry-after'] !== undefined && /^\d+$/.test(out['retry-after'])) {
          // HTTP-dates have whole-second precision: round up so the wait is never shorter than asked.
          out['retry-after'] = new Date(
            (Math.ceil(Date.now() / 1000) + Number(out['retry-after'])) * 1000,
          ).toUTCString();
        }
        res.writeHead(up.status, out).end(Buffer.from(await up.arrayBuffer()));
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return Object.assign(server, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
}

describe('when GHL answers 429 (#4)', () => {
  let stack: TestStack;
  let proxy: Server & { url: string };
  const loc = (i: number) => stack.sandbox.locations[i]!.id;
  beforeAll(async () => {
    stack = await startTestStack({
      // GHL's own limiter stays off: every 429 here is forced, so each is accounted for.
      sandbox: {
        seed: 43,
        locations: [
          { opportunities: 1_000 },
          { opportunities: 1_000 },
          { opportunities: 1_000 },
          { opportunities: 300 },
        ],
        rateLimitMax: 0,
        rateLimitIntervalMs: INTERVAL_MS,
      },
      env: { RATE_LIMIT_MAX: '100', RATE_LIMIT_INTERVAL_MS: String(INTERVAL_MS), RATE_LIMIT_DAILY: '0' },
      logLevel: 'debug',
    });
    proxy = await startHttpDateProxy(stack.sandbox.url, () => loc(1));
    // Two "processes" sharing one budget, both behind the proxy (it only touches location 1's answers).
    await stack.startWorkers(2, { GHL_BASE_URL: proxy.url });
    for (let i = 0; i < 4; i++) stack.sandbox.admin.setKnobs(loc(i), { latencyMs: { medianMs: 60, jitterMs: 20 } });
  });
  afterAll(async () => {
    await stack?.stop();
    await new Promise((r) => proxy?.close(r));
  });

  for (const [index, form] of [
    [0, 'seconds'],
    [1, 'an HTTP-date'],
  ] as const) {
    it(`pauses every page job of the location for Retry-After given as ${form}, then completes exactly`, async () => {
      const id = loc(index);
      const run = await startInPagePhase(stack, id, 10, {
        forceStatus: { status: 429, count: 1, retryAfterSec: 3 },
      });
      const done = await stack.wait(run.id, 60_000);
      expect(done).toMatchObject({ status: 'completed', inserted: 1_000, failedPages: 0 });
      expect(await stack.compare(id)).toMatchObject({ checked: 1_000, mismatches: [] });
      expect(stack.sandbox.admin.getStats(id).rejected429).toBe(1);
      // An HTTP-date has whole seconds; the proxy rounds up, so it never asks for less than 3 s from its
      // own reading, but reaching the limiter takes a moment.
      expectPauseHonoured(stack, id, form === 'seconds' ? 3_000 : 2_000);
    });
  }

  it('waits out X-RateLimit-Interval-Milliseconds when the 429 has no Retry-After', async () => {
    const id = loc(2);
    const run = await startInPagePhase(stack, id, 10, { forceStatus: { status: 429, count: 1 } });
    const done = await stack.wait(run.id, 60_000);
    expect(done).toMatchObject({ status: 'completed', inserted: 1_000, failedPages: 0 });
    expect(stack.sandbox.admin.getStats(id).rejected429).toBe(1);
    expectPauseHonoured(stack, id, INTERVAL_MS);
  });

  it('keeps going through a 429 storm in pass 1 and counts every retry', async () => {
    const id = loc(3);
    stack.sandbox.admin.setKnobs(id, { forceStatus: { status: 429, count: 3, retryAfterSec: 1 } });
    const done = await stack.sync(id, { timeoutMs: 60_000 });
    expect(done).toMatchObject({ status: 'completed', inserted: 300, failedPages: 0 });
    // Pass 1 opens with two requests at once (pipelines and the first page), so the three 429s may
    // land together or one after another: each pause lasts its Retry-After, and the limiter granted
    // nothing inside any of them.
    const { grants, pauses } = limiterTimeline(stack, id);
    expect(pauses.length).toBeGreaterThanOrEqual(1);
    for (const pause of pauses) {
      expect(pause.until - pause.at).toBeGreaterThanOrEqual(1_000);
      expect(
        grants.filter((at) => at > pause.at && at < pause.until),
        JSON.stringify({ pause, grants }),
      ).toEqual([]);
    }
    const stats = stack.sandbox.admin.getStats(id);
    expect(stats.rejected429).toBe(3);
    expect(stats.requests).toBe(stats.accepted + 3);
    // Every attempt, the three refused pipelines calls included, is in the run's count.
    expect(done.apiCalls).toBe(stats.requests);
  });
});

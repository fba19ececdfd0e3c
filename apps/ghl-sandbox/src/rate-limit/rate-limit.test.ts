import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../index.js';
import { ghlGet, searchPath } from '../test-support/ghl-fetch.js';

describe('rate limits over HTTP', () => {
  let sandbox: Sandbox | undefined;
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  // Windows are a minute long so that a loaded machine cannot spread the requests past one window.
  it('answers the 6th request in one window with 429 and the documented headers', async () => {
    sandbox = await startSandbox({ rateLimitMax: 5, rateLimitIntervalMs: 60_000, dailyLimit: 1000 });
    const { id, token } = sandbox.locations[0]!;
    const path = searchPath({ location_id: id, limit: 1 });
    const answers = [];
    for (let i = 0; i < 6; i += 1) answers.push(await ghlGet(sandbox, path, token));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 429]);
    expect(answers[0]!.headers.get('x-ratelimit-remaining')).toBe('4');
    expect(answers[4]!.headers.get('x-ratelimit-remaining')).toBe('0');
    const limited = answers[5]!;
    expect(limited.body).toMatchObject({ statusCode: 429, message: 'Too many requests' });
    expect(typeof limited.body.traceId).toBe('string');
    expect(limited.headers.get('x-ratelimit-max')).toBe('5');
    expect(limited.headers.get('x-ratelimit-interval-milliseconds')).toBe('60000');
    expect(limited.headers.get('x-ratelimit-limit-daily')).toBe('1000');
    expect(limited.headers.get('x-ratelimit-daily-remaining')).toBe('995');
    expect(limited.headers.get('retry-after')).toBeNull();
    const stats = sandbox.admin.getStats(id);
    expect(stats).toMatchObject({ requests: 6, accepted: 5, rejected429: 1, byStatus: { '200': 5, '429': 1 } });
    expect(stats.maxInAnyWindow).toBe(5);
    // One time per accepted request, in order; the 429 took no slot and has none.
    const times = sandbox.admin.getAcceptedTimes(id);
    expect(times).toHaveLength(5);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    sandbox.admin.resetStats(id);
    expect(sandbox.admin.getAcceptedTimes(id)).toEqual([]);
  });

  it('accepts again once the window has passed since the last accepted request', async () => {
    sandbox = await startSandbox({ rateLimitMax: 1, rateLimitIntervalMs: 300 });
    const { id, token } = sandbox.locations[0]!;
    const path = searchPath({ location_id: id, limit: 1 });
    expect((await ghlGet(sandbox, path, token)).status).toBe(200);
    // Waiting longer than the window can only make the next request later, so load cannot break this.
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect((await ghlGet(sandbox, path, token)).status).toBe(200);
    expect(sandbox.admin.getStats(id)).toMatchObject({ accepted: 2, rejected429: 0 });
  });

  it('keeps maxInAnyWindow within the limit under a burst of parallel requests', async () => {
    sandbox = await startSandbox({ rateLimitMax: 5, rateLimitIntervalMs: 60_000 });
    const { id, token } = sandbox.locations[0]!;
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => ghlGet(sandbox!, searchPath({ location_id: id, limit: 1 }), token)),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(5);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(15);
    expect(sandbox.admin.getStats(id).maxInAnyWindow).toBe(5);
  });

  it('sends Retry-After on 429 only when the sendRetryAfter knob is on', async () => {
    sandbox = await startSandbox({ rateLimitMax: 1, rateLimitIntervalMs: 10_000 });
    const { id, token } = sandbox.locations[0]!;
    sandbox.admin.setKnobs(id, { sendRetryAfter: true });
    const path = searchPath({ location_id: id, limit: 1 });
    await ghlGet(sandbox, path, token);
    const limited = await ghlGet(sandbox, path, token);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(9);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(10);
  });

  it('exhausts the daily budget: remaining 0 and 429 until reset', async () => {
    sandbox = await startSandbox({ rateLimitMax: 0, dailyLimit: 3 });
    const { id, token } = sandbox.locations[0]!;
    const path = searchPath({ location_id: id, limit: 1 });
    const statuses = [];
    let last;
    for (let i = 0; i < 5; i += 1) {
      last = await ghlGet(sandbox, path, token);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(last!.headers.get('x-ratelimit-daily-remaining')).toBe('0');
    expect(last!.headers.get('x-ratelimit-limit-daily')).toBe('3');
    sandbox.admin.resetRateLimits(id);
    expect((await ghlGet(sandbox, path, token)).status).toBe(200);
  });

  it('keeps separate buckets per location', async () => {
    sandbox = await startSandbox({ locations: 2, rateLimitMax: 1, rateLimitIntervalMs: 10_000 });
    const [a, b] = sandbox.locations;
    expect((await ghlGet(sandbox, searchPath({ location_id: a!.id }), a!.token)).status).toBe(200);
    expect((await ghlGet(sandbox, searchPath({ location_id: a!.id }), a!.token)).status).toBe(429);
    expect((await ghlGet(sandbox, searchPath({ location_id: b!.id }), b!.token)).status).toBe(200);
  });
});

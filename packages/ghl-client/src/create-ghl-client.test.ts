import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GhlSyncError } from '@ghl-sync/errors';
import { createGhlClient } from './index.js';
import { startFakeGhlServer, type FakeGhlServer, type FakeReply } from './test-support/fake-ghl-server.js';
import {
  LOCATION_ID,
  TOKEN,
  recordingGate,
  rejectionOf,
  searchReply,
  testClient,
} from './test-support/client-test-kit.js';

let server: FakeGhlServer;
beforeEach(async () => {
  server = await startFakeGhlServer();
});
afterEach(async () => {
  await server.close();
});

const err = (status: number, message: unknown, extra: Record<string, string> = {}): FakeReply => ({
  status,
  headers: extra,
  body: { statusCode: status, message, traceId: `trace-${status}` },
});

describe('searchOpportunities request shape', () => {
  it('sends the bearer token, Version and Accept headers and snake_case defaults on the first page', async () => {
    server.script(searchReply([{ id: 'a1' }], { total: 1, nextPageUrl: null, startAfterId: null }));
    const { client } = testClient(server);
    const page = await client.searchOpportunities();

    expect(server.requests).toHaveLength(1);
    const req = server.requests[0]!;
    expect(req.method).toBe('GET');
    expect(req.path).toBe('/opportunities/search');
    expect(req.headers['authorization']).toBe(`Bearer ${TOKEN}`);
    expect(req.headers['version']).toBe('2021-07-28');
    expect(req.headers['accept']).toBe('application/json');
    expect(req.query).toEqual({ location_id: LOCATION_ID, status: 'all', limit: '100' });
    expect(page.requestCursor).toBeNull();
    expect(page.nextCursor).toBeNull();
    expect(page.attempts).toBe(1);
    expect(page.traceId).toBe('trace-ok');
  });

  it('sends BOTH cursor fields and every filter again on a later page', async () => {
    const meta = {
      total: 23,
      nextPageUrl:
        'https://services.leadconnectorhq.com/opportunities/search?location_id=x&limit=2&startAfter=1764004064616&startAfterId=neNUn',
      startAfterId: 'neNUn',
      startAfter: 1764004064616,
      currentPage: 1,
      nextPage: 2,
      prevPage: null,
    };
    server.script(searchReply([{ id: 'b1' }, { id: 'b2' }], meta));
    const { client } = testClient(server);
    const cursor = { startAfter: 1764605190468, startAfterId: 'contact-xyz' };
    const page = await client.searchOpportunities({
      cursor,
      limit: 2,
      status: 'open',
      pipelineId: 'pipe-1',
      date: '01-01-2025',
      endDate: '12-31-2025',
    });

    expect(server.requests[0]!.query).toEqual({
      location_id: LOCATION_ID,
      status: 'open',
      limit: '2',
      pipeline_id: 'pipe-1',
      date: '01-01-2025',
      endDate: '12-31-2025',
      startAfter: '1764605190468',
      startAfterId: 'contact-xyz',
    });
    expect(page.requestCursor).toEqual(cursor);
    expect(page.nextCursor).toEqual({ startAfter: 1764004064616, startAfterId: 'neNUn' });
    expect(page.meta).toEqual(meta);
  });

  it.each([0, 101, 2.5])('rejects limit %s without sending anything', async (limit) => {
    const { client } = testClient(server);
    const error = await rejectionOf(client.searchOpportunities({ limit }));
    expect(error.code).toBe('invalid_argument');
    expect(server.requests).toHaveLength(0);
  });

  it.each([
    ['null', { nextPageUrl: 'u', startAfterId: null, startAfter: 5 }],
    ['empty string', { nextPageUrl: 'u', startAfterId: '', startAfter: 5 }],
    ['missing', { nextPageUrl: 'u', startAfter: 5 }],
    ['nextPageUrl null', { nextPageUrl: null, startAfterId: 'x', startAfter: 5 }],
    ['nextPageUrl empty', { nextPageUrl: '', startAfterId: 'x', startAfter: 5 }],
    ['nextPageUrl missing', { startAfterId: 'x', startAfter: 5 }],
    ['startAfter not a number', { nextPageUrl: 'u', startAfterId: 'x', startAfter: 'soon' }],
  ])('gives nextCursor null when the end is signalled (%s)', async (_label, meta) => {
    server.script(searchReply([{ id: 'a' }], meta));
    const { client } = testClient(server);
    expect((await client.searchOpportunities()).nextCursor).toBeNull();
  });

  it('accepts a numeric-string startAfter in meta', async () => {
    server.script(searchReply([{ id: 'a' }], { nextPageUrl: 'u', startAfterId: 'x', startAfter: '1700000000000' }));
    const { client } = testClient(server);
    expect((await client.searchOpportunities()).nextCursor).toEqual({
      startAfter: 1_700_000_000_000,
      startAfterId: 'x',
    });
  });
});

describe('lenient record parsing', () => {
  it('keeps records exactly as received, unchecked (the normaliser checks each once)', async () => {
    const records = [
      {
        id: 'ok-1',
        name: 'Fine',
        monetaryValue: null,
        source: null,
        indexVersion: 3,
        pipelineStageUId: 'u',
        relations: [{ recordId: 'c' }],
        brandNewField: { deep: true },
      },
      { id: 'bad-1', monetaryValue: '12.50', status: 7, contact: { id: 'c1', tags: ['a', 5] } },
      { name: 'no id at all' },
      { id: 42, name: 'numeric id' },
    ];
    server.script(searchReply(records, { total: 4 }));
    const { client } = testClient(server);
    const page = await client.searchOpportunities();

    expect(page.opportunities).toEqual(records);
    expect(page.opportunities[0]!['brandNewField']).toEqual({ deep: true });
    expect(page.opportunities[1]!.monetaryValue).toBe('12.50'); // not coerced
    expect(page).not.toHaveProperty('issues'); // records are checked once, by the normaliser
  });
});

describe('envelope errors', () => {
  it.each([
    ['HTML', { status: 200, body: '<html><body>Bad gateway</body></html>' }, 'HTML'],
    [
      'invalid JSON',
      { status: 200, headers: { 'content-type': 'application/json' }, body: '{"opportunities": [' },
      'not JSON',
    ],
    ['missing meta', { status: 200, body: { opportunities: [] } }, '`meta`'],
    [
      'opportunities not an array',
      { status: 200, body: { opportunities: { id: 'x' }, meta: {} } },
      '`opportunities` is not an array',
    ],
    [
      'a record that is not an object',
      { status: 200, body: { opportunities: [{ id: 'a' }, null], meta: {} } },
      'opportunities[1]',
    ],
    ['empty body', { status: 200, body: '' }, 'not JSON'],
  ] as [string, FakeReply, string][])(
    'retries then throws ghl_invalid_response on %s',
    async (_label, reply, reason) => {
      server.script(reply);
      const { client, events } = testClient(server, { maxAttempts: 3 });
      const error = await rejectionOf(client.searchOpportunities());
      expect(error.code).toBe('ghl_invalid_response');
      expect(error.retryable).toBe(true);
      expect(String(error.details['reason'])).toContain(reason);
      expect(error.details['attempts']).toBe(3);
      expect(server.requests).toHaveLength(3);
      expect(events.map((e) => e.status)).toEqual([200, 200, 200]);
    },
  );

  it('succeeds when a retry brings a valid body', async () => {
    server.script({ status: 200, body: '<html>maintenance</html>' }, searchReply([{ id: 'a' }]));
    const { client } = testClient(server);
    const page = await client.searchOpportunities();
    expect(page.attempts).toBe(2);
    expect(page.opportunities).toEqual([{ id: 'a' }]);
  });
});

describe('transient failures', () => {
  it('retries 5xx with backoff and reports every attempt', async () => {
    server.script(
      err(500, 'Internal server error'),
      err(502, 'Bad Gateway'),
      err(503, 'x'),
      searchReply([{ id: 'a' }]),
    );
    const { client, events } = testClient(server);
    const page = await client.searchOpportunities();
    expect(page.attempts).toBe(4);
    expect(server.requests).toHaveLength(4);
    expect(events.map((e) => [e.endpoint, e.status, e.attempt])).toEqual([
      ['search', 500, 1],
      ['search', 502, 2],
      ['search', 503, 3],
      ['search', 200, 4],
    ]);
    expect(events.every((e) => Number.isInteger(e.durationMs) && e.durationMs >= 0)).toBe(true);
  });

  it('throws ghl_server_error after maxAttempts', async () => {
    server.script(err(503, 'Service Unavailable'));
    const { client } = testClient(server, { maxAttempts: 3 });
    const error = await rejectionOf(client.searchOpportunities());
    expect(error.code).toBe('ghl_server_error');
    expect(error.retryable).toBe(true);
    expect(error.details).toMatchObject({
      status: 503,
      attempts: 3,
      traceId: 'trace-503',
      ghlMessage: 'Service Unavailable',
      endpoint: 'search',
    });
    expect(server.requests).toHaveLength(3);
  });

  it('retries a timeout and gives the retry a fresh full timeout', async () => {
    // The hang uses up the whole first timeout, so the 2nd answer (200 ms late) only succeeds if the clock
    // restarted for it: axios-retry without shouldResetTimeout gives it what is left of the first
    // timeout, i.e. 1 ms. The wide timeout leaves a loaded machine plenty of room.
    server.script({ kind: 'hang' }, { ...searchReply([{ id: 'late' }]), delayMs: 200 });
    const { client, events } = testClient(server, { timeoutMs: 1_500 });
    const page = await client.searchOpportunities();
    expect(page.opportunities).toEqual([{ id: 'late' }]);
    expect(page.attempts).toBe(2);
    expect(events.map((e) => e.status)).toEqual(['timeout', 200]);
    expect(events[0]!.durationMs).toBeGreaterThanOrEqual(1_490);
    expect(events[1]!.durationMs).toBeGreaterThanOrEqual(190);
  });

  it('throws ghl_timeout when every attempt times out', async () => {
    server.script({ kind: 'hang' });
    const { client } = testClient(server, { timeoutMs: 100, maxAttempts: 2 });
    const error = await rejectionOf(client.searchOpportunities());
    expect(error.code).toBe('ghl_timeout');
    expect(error.details).toMatchObject({ attempts: 2, axiosCode: 'ETIMEDOUT' });
    expect(server.requests).toHaveLength(2);
  });

  it('retries a connection reset', async () => {
    server.script({ kind: 'reset' }, searchReply([{ id: 'a' }]));
    const { client, events } = testClient(server);
    const page = await client.searchOpportunities();
    expect(page.attempts).toBe(2);
    expect(events.map((e) => e.status)).toEqual(['network_error', 200]);
  });

  it('throws ghl_network_error after resets exhaust maxAttempts', async () => {
    server.script({ kind: 'reset' });
    const { client } = testClient(server, { maxAttempts: 2 });
    const error = await rejectionOf(client.searchOpportunities());
    expect(error.code).toBe('ghl_network_error');
    expect(error.details['axiosCode']).toBe('ECONNRESET');
    expect(server.requests).toHaveLength(2);
  });

  it('retries a refused connection', async () => {
    const { port } = new URL(server.baseUrl);
    await server.close();
    const client = createGhlClient({
      baseUrl: `http://127.0.0.1:${port}`,
      locationId: LOCATION_ID,
      auth: { getAccessToken: async () => TOKEN },
      maxAttempts: 3,
      backoffBaseMs: 1,
    });
    const error = await rejectionOf(client.searchOpportunities());
    expect(error.code).toBe('ghl_network_error');
    expect(error.details).toMatchObject({ axiosCode: 'ECONNREFUSED', attempts: 3 });
    server = await startFakeGhlServer(); // for afterEach
  });
});

describe('permanent failures', () => {
  it.each([
    [400, 'Bad Request', 'ghl_bad_request'],
    [422, ['property skip should not exist'], 'ghl_bad_request'],
    [403, 'The token does not have access to this location.', 'ghl_forbidden'],
    [404, 'Not Found', 'ghl_not_found'],
    [409, 'Conflict', 'ghl_bad_request'],
  ] as const)('does not retry %s and throws %s', async (status, message, code) => {
    server.script(err(status, message));
    const { client } = testClient(server);
    const error = await rejectionOf(client.searchOpportunities());
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(false);
    expect(error.details).toMatchObject({
      status,
      attempts: 1,
      traceId: `trace-${status}`,
      ghlMessage: Array.isArray(message) ? message.join('; ') : message,
    });
    expect(server.requests).toHaveLength(1);
  });
});

describe('401 handling', () => {
  const jwtExpired = err(401, 'Invalid JWT');

  it('refreshes once on "Invalid JWT" and retries with the new token', async () => {
    server.handle((req) =>
      req.headers['authorization'] === 'Bearer fresh-token' ? searchReply([{ id: 'a' }]) : jwtExpired,
    );
    const refresh = vi.fn(async (_rejected: string) => 'fresh-token');
    const { client } = testClient(server, { auth: { getAccessToken: async () => TOKEN, refresh } });
    const page = await client.searchOpportunities();
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(refresh).toHaveBeenCalledWith(TOKEN);
    expect(page.attempts).toBe(2);
    expect(server.requests.map((r) => r.headers['authorization'])).toEqual([`Bearer ${TOKEN}`, 'Bearer fresh-token']);
  });

  it('throws ghl_token_expired when the refreshed token is refused too', async () => {
    server.script(jwtExpired);
    const refresh = vi.fn(async () => 'fresh-token');
    const { client } = testClient(server, { auth: { getAccessToken: async () => TOKEN, refresh } });
    const error = await rejectionOf(client.searchOpportunities());
    expect(error.code).toBe('ghl_token_expired');
    expect(error.details).toMatchObject({ status: 401, attempts: 2, ghlMessage: 'Invalid JWT' });
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(server.requests).toHaveLength(2);
  });

  it('throws ghl_token_expired at once for a token provider without refresh (PIT)', async () => {
    server.script(jwtExpired);
    const { client } = testClient(server);
    const error = await rejectionOf(client.searchOpportunities());
    expect(error.code).toBe('ghl_token_expired');
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    'The token is not authorized for this scope.',
    'This authClass type is not allowed to access this scope.',
    'Invalid token: access token is invalid',
    "Token's user type mismatch!",
  ])('never refreshes on 401 "%s"', async (message) => {
    server.script(err(401, message));
    const refresh = vi.fn(async () => 'fresh-token');
    const { client } = testClient(server, { auth: { getAccessToken: async () => TOKEN, refresh } });
    const error = await rejectionOf(client.searchOpportunities());
    expect(error.code).toBe('ghl_unauthorized');
    expect(error.retryable).toBe(false);
    expect(error.details['ghlMessage']).toBe(message);
    expect(refresh).not.toHaveBeenCalled();
    expect(server.requests).toHaveLength(1);
  });

  it('propagates the refresh failure unchanged', async () => {
    server.script(jwtExpired);
    const failure = new GhlSyncError('oauth_refresh_failed', 'refresh token spent', {
      details: { status: 400, reason: 'invalid_grant' },
    });
    const { client } = testClient(server, {
      auth: { getAccessToken: async () => TOKEN, refresh: async () => Promise.reject(failure) },
    });
    await expect(client.searchOpportunities()).rejects.toBe(failure);
    expect(server.requests).toHaveLength(1);
  });
});

describe('429 handling', () => {
  it('honours Retry-After in seconds when there is no gate', async () => {
    server.script(err(429, 'Too Many Requests', { 'retry-after': '1' }), searchReply([{ id: 'a' }]));
    const { client, events } = testClient(server);
    const page = await client.searchOpportunities();
    expect(page.attempts).toBe(2);
    expect(events.map((e) => e.status)).toEqual([429, 200]);
    const gap = server.requests[1]!.receivedAt - server.requests[0]!.receivedAt;
    expect(gap).toBeGreaterThanOrEqual(950);
    // Well short of the 10 s it would have waited without reading the header, on any machine.
    expect(gap).toBeLessThan(5_000);
  });

  it('honours Retry-After as an HTTP-date', async () => {
    // A whole second (HTTP-dates have 1 s resolution) at least 1 s ahead.
    const at = new Date(Math.ceil((Date.now() + 1_000) / 1_000) * 1_000);
    const expectedWait = at.getTime() - Date.now();
    server.script(err(429, 'Too Many Requests', { 'retry-after': at.toUTCString() }), searchReply([{ id: 'a' }]));
    const { client } = testClient(server);
    await client.searchOpportunities();
    const gap = server.requests[1]!.receivedAt - server.requests[0]!.receivedAt;
    expect(gap).toBeGreaterThanOrEqual(expectedWait - 100);
    // Well short of the 10 s fallback: the date was read, not ignored.
    expect(gap).toBeLessThan(6_000);
  });

  it('falls back to X-RateLimit-Interval-Milliseconds without Retry-After', async () => {
    server.script(
      err(429, 'Too Many Requests', { 'x-ratelimit-interval-milliseconds': '300', 'x-ratelimit-remaining': '0' }),
      searchReply([]),
    );
    const { client } = testClient(server);
    await client.searchOpportunities();
    const gap = server.requests[1]!.receivedAt - server.requests[0]!.receivedAt;
    expect(gap).toBeGreaterThanOrEqual(290);
    // Well short of the 10 s default interval: the header was read.
    expect(gap).toBeLessThan(5_000);
  });

  it('throws ghl_rate_limited after maxRateLimitAttempts', async () => {
    server.script(err(429, 'Too Many Requests', { 'x-ratelimit-interval-milliseconds': '20' }));
    const { client } = testClient(server, { maxRateLimitAttempts: 3 });
    const error = await rejectionOf(client.searchOpportunities());
    expect(error.code).toBe('ghl_rate_limited');
    expect(error.details).toMatchObject({ status: 429, attempts: 3, retryAfterMs: 20 });
    expect(server.requests).toHaveLength(3);
  });

  it('throws daily_quota_exhausted at once when the daily budget is gone, after telling the gate', async () => {
    server.script(
      err(429, 'Too Many Requests', {
        'x-ratelimit-daily-remaining': '0',
        'x-ratelimit-limit-daily': '200000',
        'retry-after': '1',
      }),
    );
    const gate = recordingGate();
    const { client } = testClient(server, { gate });
    const error = await rejectionOf(client.searchOpportunities());
    expect(error.code).toBe('daily_quota_exhausted');
    expect(error.details).toMatchObject({ status: 429, attempts: 1, dailyRemaining: '0' });
    expect(server.requests).toHaveLength(1);
    expect(gate.observed).toEqual([
      {
        status: 429,
        headers: { 'x-ratelimit-daily-remaining': '0', 'x-ratelimit-limit-daily': '200000', 'retry-after': '1' },
      },
    ]);
  });

  it('lets the gate decide the wait instead of sleeping itself', async () => {
    server.script(err(429, 'Too Many Requests', { 'retry-after': '30' }), searchReply([{ id: 'a' }]));
    const gate = recordingGate();
    const { client } = testClient(server, { gate });
    const started = performance.now();
    await client.searchOpportunities();
    // Retry-After asked for 30 s: a client sleeping on its own would still be asleep.
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(gate.acquired).toBe(2);
    expect(gate.observed.map((o) => o.status)).toEqual([429, 200]);
  });
});

describe('rate gate', () => {
  it('acquires before every attempt and observes every response', async () => {
    server.script(
      err(500, 'x', { 'x-ratelimit-remaining': '99', 'x-ratelimit-max': '100', 'set-cookie': 'a=b' }),
      err(429, 'slow down', { 'x-ratelimit-remaining': '0' }),
      { kind: 'reset' },
      searchReply([{ id: 'a' }]),
    );
    const gate = recordingGate();
    const { client } = testClient(server, { gate });
    const page = await client.searchOpportunities();
    expect(page.attempts).toBe(4);
    expect(gate.acquired).toBe(4);
    expect(server.requests).toHaveLength(4);
    // The reset produced no response, so there is nothing to observe for it.
    expect(gate.observed.map((o) => o.status)).toEqual([500, 429, 200]);
    expect(gate.observed[0]!.headers).toEqual({ 'x-ratelimit-remaining': '99', 'x-ratelimit-max': '100' });
  });

  it('acquires for listPipelines and for the retry after a refresh', async () => {
    server.handle((req) =>
      req.headers['authorization'] === 'Bearer fresh'
        ? { status: 200, body: { pipelines: [] } }
        : err(401, 'Invalid JWT'),
    );
    const gate = recordingGate();
    const { client } = testClient(server, {
      gate,
      auth: { getAccessToken: async () => TOKEN, refresh: async () => 'fresh' },
    });
    expect((await client.listPipelines()).pipelines).toEqual([]);
    expect(gate.acquired).toBe(2);
  });

  it('rethrows the error of acquire unchanged and sends nothing more', async () => {
    server.script(err(503, 'x'));
    const gate = recordingGate();
    const refusal = new GhlSyncError('ghl_rate_limited', 'no slot for 120000 ms', {
      details: { retryAfterMs: 120_000 },
    });
    gate.failAcquireOn = 2;
    gate.failWith = refusal;
    const { client } = testClient(server, { gate });
    await expect(client.searchOpportunities()).rejects.toBe(refusal);
    expect(server.requests).toHaveLength(1);
    expect(gate.acquired).toBe(2);
  });

  it('sends nothing when the first acquire refuses', async () => {
    const gate = recordingGate();
    gate.failAcquireOn = 1;
    gate.failWith = new GhlSyncError('daily_quota_exhausted', 'budget spent');
    const { client, events } = testClient(server, { gate });
    const error = await rejectionOf(client.searchOpportunities());
    expect(error).toBe(gate.failWith);
    expect(server.requests).toHaveLength(0);
    expect(events).toHaveLength(0);
  });

  it('survives a failing observe', async () => {
    server.script(searchReply([{ id: 'a' }]));
    const gate = recordingGate();
    gate.observe = async () => {
      throw new Error('redis down');
    };
    const warn = vi.fn();
    const { client } = testClient(server, { gate, logger: { debug() {}, info() {}, warn, error() {} } });
    expect((await client.searchOpportunities()).opportunities).toEqual([{ id: 'a' }]);
    expect(warn).toHaveBeenCalledTimes(1);
  });
});

describe('listPipelines', () => {
  it('calls GET /opportunities/pipelines?locationId= and returns pipelines as received', async () => {
    const pipelines = [
      {
        id: 'p1',
        name: 'Sales',
        stages: [{ id: 's1', name: 'New', position: 0, showInFunnel: true, showInPieChart: true }],
        dateAdded: '2023-01-01T00:00:00.000Z',
        extra: 1,
      },
      { id: 'p2', name: 'Broken', stages: 'not-an-array' },
    ];
    server.script({ status: 200, body: { pipelines, traceId: 't' } });
    const warn = vi.fn();
    const { client } = testClient(server, { logger: { debug() {}, info() {}, warn, error() {} } });
    expect(await client.listPipelines()).toEqual({ pipelines, attempts: 1 });
    const req = server.requests[0]!;
    expect(req.path).toBe('/opportunities/pipelines');
    expect(req.query).toEqual({ locationId: LOCATION_ID });
    expect(req.headers['version']).toBe('2021-07-28');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatchObject({ index: 1, id: 'p2' });
  });

  it('throws ghl_invalid_response when `pipelines` is missing', async () => {
    server.script({ status: 200, body: { traceId: 't' } });
    const { client } = testClient(server, { maxAttempts: 2 });
    const error = await rejectionOf(client.listPipelines());
    expect(error.code).toBe('ghl_invalid_response');
    expect(error.details).toMatchObject({ endpoint: 'pipelines', attempts: 2 });
  });
});

describe('secrets', () => {
  const scenarios: [string, FakeReply[]][] = [
    ['401 Invalid JWT', [err(401, 'Invalid JWT')]],
    ['401 scope', [err(401, 'The token is not authorized for this scope.')]],
    ['500', [err(500, 'Internal server error')]],
    ['429', [err(429, 'Too Many Requests', { 'x-ratelimit-interval-milliseconds': '1' })]],
    ['invalid body', [{ status: 200, body: '<html></html>' }]],
    ['reset', [{ kind: 'reset' }]],
    ['timeout', [{ kind: 'hang' }]],
  ];
  it.each(scenarios)('never puts the token in the error (%s)', async (_label, replies) => {
    server.script(...replies);
    const debug = vi.fn();
    const info = vi.fn();
    const { client } = testClient(server, {
      maxAttempts: 2,
      maxRateLimitAttempts: 2,
      timeoutMs: 100,
      logger: { debug, info, warn() {}, error() {} },
    });
    const error = await rejectionOf(client.searchOpportunities());
    expect(JSON.stringify(error)).not.toContain(TOKEN);
    expect(inspect(error, { depth: 20, showHidden: true })).not.toContain(TOKEN);
    expect(JSON.stringify(error.cause ?? null)).not.toContain(TOKEN);
    expect(error.cause).not.toHaveProperty('config');
    expect(JSON.stringify([debug.mock.calls, info.mock.calls])).not.toContain(TOKEN);
    expect(debug.mock.calls.length).toBeGreaterThanOrEqual(1);
    expect(debug.mock.calls[0]![0]).toMatchObject({ endpoint: 'search', attempt: 1, locationId: LOCATION_ID });
  });
});

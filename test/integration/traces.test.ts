import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';
import { CLI_BIN, startTestStack, type TestStack } from '../support/test-stack.js';
import { waitFor } from '../support/wait-for.js';

const ADMIN_TOKEN = 'traces-test-admin-token-0123456789abcdef';
const SERVER = 2;
const CLIENT = 3;
const CONSUMER = 5;

/** Resolves when `child` has exited (SIGTERM sent now); its tracing flushes on the way out. */
const stopProcess = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });

// A sync started through the admin API, run by two worker processes, exported to an in-process
// OTLP receiver: one trace from the request through the coordinator, every page job and finalize.
describe('traces of a run', () => {
  let receiver: OtlpReceiver;
  let stack: TestStack;
  let api: ChildProcess;
  let workers: ChildProcess[];
  let spans: ReceivedSpan[];
  let runId: number;
  const byId = new Map<string, ReceivedSpan>();
  const ancestors = (span: ReceivedSpan): ReceivedSpan[] => {
    const chain: ReceivedSpan[] = [];
    for (let s = byId.get(span.parentSpanId); s; s = byId.get(s.parentSpanId)) chain.push(s);
    return chain;
  };

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    stack = await startTestStack({
      sandbox: { seed: 15, locations: [{ opportunities: 420 }] },
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        ADMIN_TOKEN,
      },
    });
    workers = stack.spawnWorkers(2);
    api = spawn(process.execPath, [CLI_BIN, 'api', '--port', '0'], {
      env: { ...process.env, ...stack.env, EXIT_WITH_PARENT: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    api.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const url = await waitFor('the API to listen', async () => /"url":"(http:[^"]+)"/.exec(out)?.[1]);

    const res = await fetch(`${url}/api/syncs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ locationId: stack.sandbox.locations[0]!.id, mode: 'full' }),
    });
    expect(res.status).toBe(202);
    runId = ((await res.json()) as { runId: number }).runId;
    const run = await stack.wait(runId);
    expect(run).toMatchObject({ status: 'completed', pages: 5, inserted: 420 });
    // Every process exports what it still holds as it shuts down.
    await Promise.all([stopProcess(api), ...workers.map(stopProcess)]);
    spans = receiver.spans;
    for (const s of spans) byId.set(s.spanId, s);
  }, 120_000);
  afterAll(async () => {
    for (const child of [api, ...(workers ?? [])]) if (child) await stopProcess(child);
    await stack?.stop();
    await receiver?.close();
  });

  it('is one trace, rooted at the admin API request that started the run', () => {
    const request = spans.find((s) => s.kind === SERVER && s.attributes['http.route'] === '/api/syncs');
    expect(request).toMatchObject({ service: 'ghl-sync-api', parentSpanId: '' });
    const coordinator = spans.filter((s) => s.kind === CONSUMER && s.name === 'process sync-coordinator');
    const pages = spans.filter((s) => s.kind === CONSUMER && s.name === 'process sync-page');
    const finalize = spans.filter((s) => s.kind === CONSUMER && s.name === 'process sync-finalize');
    expect(coordinator).toHaveLength(1);
    expect(pages).toHaveLength(5);
    expect(finalize).toHaveLength(1);
    const traceIds = new Set([request!, ...coordinator, ...pages, ...finalize].map((s) => s.traceId));
    expect(traceIds).toEqual(new Set([request!.traceId]));
    expect(ancestors(coordinator[0]!)).toContain(request);
    for (const job of [...pages, ...finalize]) {
      expect(job.service).toBe('ghl-sync-worker');
      // Through the span of the add that enqueued it, in the coordinator's process.
      expect(ancestors(job)).toContain(coordinator[0]);
    }
  });

  it('has a span per GHL request, each with its rate-limit wait as a child', () => {
    const requests = spans.filter((s) => s.kind === CLIENT && s.scope === '@ghl-sync/ghl-client');
    // 1 pipelines + 5 listing pages + 5 page re-fetches, as the run counted them.
    expect(requests.map((s) => s.name).sort()).toEqual(['ghl pipelines', ...Array<string>(10).fill('ghl search')]);
    for (const request of requests) {
      expect(request.attributes).toMatchObject({ 'http.response.status_code': 200, 'ghl.attempts': 1 });
      const waits = spans.filter((s) => s.parentSpanId === request.spanId && s.name === 'ghl.rate_limit_wait');
      expect(waits).toHaveLength(1);
      expect(ancestors(request).some((a) => a.kind === CONSUMER)).toBe(true);
    }
    const pageRequests = requests.filter((r) => ancestors(r).some((a) => a.name === 'process sync-page'));
    expect(pageRequests).toHaveLength(5);
  });

  it('has a span per Postgres statement, inside the job that ran it', () => {
    const statements = spans.filter((s) => s.attributes['db.system.name'] === 'postgresql');
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements) {
      expect(s.kind).toBe(CLIENT);
      expect(s.attributes['db.query.text']).toEqual(expect.any(String));
    }
    // Each page job wrote its page with statements of its own span's subtree.
    const pages = spans.filter((s) => s.name === 'process sync-page');
    for (const page of pages) {
      const inside = statements.filter((s) => ancestors(s).includes(page));
      expect(inside.some((s) => s.name === 'INSERT' || s.name === 'WITH')).toBe(true);
    }
    // The API's request opened the run in Postgres under its own span.
    const request = spans.find((s) => s.attributes['http.route'] === '/api/syncs')!;
    expect(statements.some((s) => ancestors(s).includes(request))).toBe(true);
  });

  it('carries no token and no admin credential', () => {
    const exported = JSON.stringify(spans);
    for (const secret of [ADMIN_TOKEN, stack.sandbox.locations[0]!.token, stack.env['TOKEN_ENCRYPTION_KEY']!])
      expect(exported.includes(secret), `a secret of length ${secret.length} was exported`).toBe(false);
  });
});

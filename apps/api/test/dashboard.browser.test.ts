import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type Processor } from 'bullmq';
import type { Redis } from 'ioredis';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@ghl-sync/config';
import { finalizeRun, getRun, recordListedPage, transitionRun, upsertLocation } from '@ghl-sync/db';
import { createLogger } from '@ghl-sync/logger';
import { QUEUE_NAMES, createQueues, createRedisConnection, type Queues } from '@ghl-sync/queues';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '@ghl-sync/testing';
import { startApi, type RunningApi } from '../src/index.js';

const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
const SCREENSHOT = fileURLToPath(new URL('../../../docs/dashboard.png', import.meta.url));
const TOKEN = 'dashboard-test-token-4c1f';
const LOCATION = 'loc-dashboard';
const PAGES = [1, 2, 3];
if (!HAS_CHROMIUM) console.warn(`dashboard.browser.test: SKIPPED, ${CHROMIUM} not found (install it with \`apt-get install -y chromium\`)`);

const SYNC_QUEUES = [QUEUE_NAMES.coordinator, QUEUE_NAMES.page, QUEUE_NAMES.finalize, QUEUE_NAMES.maintenance];

let database: TestDatabase;
let redis: TestRedis;
let api: RunningApi;
let producer: Redis;
let queues: Queues;
const workers: Worker[] = [];
const workerConnections: Redis[] = [];

/**
 * Stand-in processors that record what the real ones do, minus GHL: the coordinator lists three
 * pages and enqueues the page flow, each page marks itself written, the finalizer closes the run.
 * The dashboard then holds a completed sync's jobs in the coordinator, page and finalize queues.
 */
function startStandInWorkers(): void {
  const db = database.db;
  const make = (name: string, processor: Processor) => {
    const connection = createRedisConnection(redis.url, 'worker');
    workerConnections.push(connection);
    const worker = new Worker(name, processor, { connection, prefix: redis.prefix, concurrency: 3 });
    worker.on('error', () => undefined);
    workers.push(worker);
  };
  make(QUEUE_NAMES.coordinator, async (job) => {
    const { runId, locationId } = job.data as { runId: number; locationId: string };
    await transitionRun(db, runId, 'listing');
    for (const pageNo of PAGES) {
      await recordListedPage(db, {
        runId, locationId, pageNo, start: null, end: null, next: null, isLast: pageNo === PAGES.length, listed: 100,
        ids: Array.from({ length: 100 }, (_, i) => `opp-${pageNo}-${i}`), apiCalls: 1, reportedTotal: 300,
      });
    }
    await transitionRun(db, runId, 'writing');
    const run = (await getRun(db, runId))!;
    await queues.enqueuePageFlow({ run, locationId, pageNumbers: PAGES });
    return { listed: 300, pages: PAGES.length };
  });
  make(QUEUE_NAMES.page, async (job) => {
    const { runId, pageNo } = job.data as { runId: number; pageNo: number };
    await db.query(
      `UPDATE ghl.sync_run_pages SET status = 'done', fetched = listed, inserted = listed, api_calls = 1, attempts = 1, started_at = now(), finished_at = now()
       WHERE run_id = $1 AND page_no = $2`,
      [runId, pageNo],
    );
    return { pageNo, fetched: 100, inserted: 100 };
  });
  make(QUEUE_NAMES.finalize, async (job) => {
    const { runId } = job.data as { runId: number };
    const run = await finalizeRun(db, runId, 'completed');
    return { status: run?.status, inserted: run?.inserted };
  });
}

async function waitForRunStatus(runId: number, status: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${api.url}/api/syncs/${runId}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const body = (await res.json()) as { run: { status: string } };
    if (body.run.status === status) return;
    if (Date.now() > deadline) throw new Error(`run ${runId} is ${body.run.status}, not ${status}, after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('Bull Board dashboard in a browser', () => {
  beforeAll(async () => {
    if (!HAS_CHROMIUM) return;
    database = await createTestDatabase();
    redis = await createTestRedis();
    producer = createRedisConnection(redis.url, 'producer');
    queues = createQueues({ connection: producer, prefix: redis.prefix });
    await upsertLocation(database.db, { id: LOCATION, name: 'Dashboard demo', accessToken: 'pit-dashboard', scheduleCron: null });
    const config = loadConfig({}, { API_PORT: 0, ADMIN_TOKEN: TOKEN, DATABASE_URL: database.url, REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix });
    api = await startApi(config, createLogger({ name: 'api', level: 'warn', format: 'json' }), { host: '127.0.0.1' });
    startStandInWorkers();
  });

  afterAll(async () => {
    if (!HAS_CHROMIUM) return;
    await Promise.all(workers.map((w) => w.close()));
    for (const c of workerConnections) c.disconnect();
    await api?.close();
    await queues?.close();
    producer?.disconnect();
    await redis?.cleanup();
    await database?.drop();
  });

  it.skipIf(!HAS_CHROMIUM)(`logs in, lists the queues, opens a completed sync's jobs and saves docs/dashboard.png (needs ${CHROMIUM})`, async () => {
    const started = await fetch(`${api.url}/api/syncs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ locationId: LOCATION, mode: 'full' }),
    });
    expect(started.status).toBe(202);
    const { runId } = (await started.json()) as { runId: number };
    await waitForRunStatus(runId, 'completed');

    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });

      // Without credentials the server challenges (a real browser would show its login prompt;
      // headless Chromium aborts the navigation instead, so the challenge is read via the context's request API).
      const anonymous = await browser.newContext();
      const refused = await anonymous.request.get(`${api.url}/admin/queues`);
      expect(refused.status()).toBe(401);
      expect(refused.headers()['www-authenticate']).toMatch(/^Basic realm="ghl-sync"/);
      await anonymous.close();

      const context = await browser.newContext({ httpCredentials: { username: 'admin', password: TOKEN }, viewport: { width: 1400, height: 900 } });
      const page = await context.newPage();
      const overview = await page.goto(`${api.url}/admin/queues`);
      expect(overview?.status()).toBe(200);
      for (const name of SYNC_QUEUES) await expect(page.getByText(name, { exact: true }).first().waitFor({ timeout: 15_000 })).resolves.toBeUndefined();

      await page.getByText(QUEUE_NAMES.page, { exact: true }).first().click();
      await page.waitForURL(/\/admin\/queues\/queue\/sync-page/);
      await page.goto(`${api.url}/admin/queues/queue/${QUEUE_NAMES.page}?status=completed`);
      const key = `run-${runId}-`;
      await page.getByText(new RegExp(`${key}[0-9a-z]+-page-1\\b`)).first().waitFor({ timeout: 15_000 });
      const body = await page.locator('body').innerText();
      for (const pageNo of PAGES) expect(body).toMatch(new RegExp(`${key}[0-9a-z]+-page-${pageNo}\\b`));

      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: false });
      expect(existsSync(SCREENSHOT)).toBe(true);
    } finally {
      await browser?.close();
    }
  });
});

import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type RunningApi } from '@ghl-sync/api';
import { loadConfig } from '@ghl-sync/config';
import { createLogger } from '@ghl-sync/logger';
import { QUEUES } from '@ghl-sync/queues';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
// The README's screenshot is refreshed only on request (UPDATE_SCREENSHOT=1), so a test run leaves
// the working tree clean.
const SCREENSHOT =
  process.env['UPDATE_SCREENSHOT'] === '1'
    ? fileURLToPath(new URL('../../docs/dashboard.png', import.meta.url))
    : join(tmpdir(), `ghl-sync-dashboard-${process.pid}.png`);
const TOKEN = 'dashboard-test-token-4c1f-9a7e2d5b3f';
const PAGES = [1, 2, 3];
if (!HAS_CHROMIUM)
  console.warn(
    `dashboard.browser.test: SKIPPED, ${CHROMIUM} not found (install it with \`apt-get install -y chromium\`)`,
  );

const SYNC_QUEUES = Object.values(QUEUES).map((q) => q.name);

// #5: headless Chromium logs in to Bull Board and sees a real sync's jobs (real workers, real
// sandbox, real Postgres and Redis), then saves the screenshot the README shows.
describe('Bull Board dashboard in a browser', () => {
  let stack: TestStack;
  let api: RunningApi;
  beforeAll(async () => {
    if (!HAS_CHROMIUM) return;
    stack = await startTestStack({
      sandbox: { seed: 91, locations: [{ opportunities: 300, name: 'Dashboard demo' }] },
      env: { ADMIN_TOKEN: TOKEN },
    });
    await stack.startWorkers(1);
    api = await startApi(
      loadConfig({ ...stack.env, API_PORT: '0' }),
      createLogger({ name: 'api', level: 'warn', format: 'json' }),
      { host: '127.0.0.1' },
    );
  });

  afterAll(async () => {
    await api?.close();
    await stack?.stop();
  });

  it.skipIf(!HAS_CHROMIUM)(
    `logs in, lists the queues, opens a completed sync's jobs and saves docs/dashboard.png (needs ${CHROMIUM})`,
    async () => {
      const location = stack.sandbox.locations[0]!.id;
      const started = await fetch(`${api.url}/api/syncs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ locationId: location, mode: 'full' }),
      });
      expect(started.status).toBe(202);
      const { runId } = (await started.json()) as { runId: number };
      expect(await stack.wait(runId)).toMatchObject({ status: 'completed', inserted: 300, pages: 3 });

      let browser: Browser | undefined;
      try {
        browser = await chromium.launch({
          executablePath: CHROMIUM,
          args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        });

        // Without credentials the server challenges (a real browser would show its login prompt;
        // headless Chromium aborts the navigation instead, so the challenge is read via the context's request API).
        const anonymous = await browser.newContext();
        const refused = await anonymous.request.get(`${api.url}/admin/queues`);
        expect(refused.status()).toBe(401);
        expect(refused.headers()['www-authenticate']).toMatch(/^Basic realm="ghl-sync"/);
        await anonymous.close();

        const context = await browser.newContext({
          httpCredentials: { username: 'admin', password: TOKEN },
          viewport: { width: 1400, height: 900 },
        });
        const page = await context.newPage();
        const overview = await page.goto(`${api.url}/admin/queues`);
        expect(overview?.status()).toBe(200);
        for (const name of SYNC_QUEUES)
          await expect(
            page.getByText(name, { exact: true }).first().waitFor({ timeout: 15_000 }),
          ).resolves.toBeUndefined();

        await page.getByText(QUEUES.page.name, { exact: true }).first().click();
        await page.waitForURL(/\/admin\/queues\/queue\/sync-page/);
        await page.goto(`${api.url}/admin/queues/queue/${QUEUES.page.name}?status=completed`);
        const key = `run-${runId}-`;
        await page
          .getByText(new RegExp(`${key}[0-9a-z]+-page-1\\b`))
          .first()
          .waitFor({ timeout: 15_000 });
        const body = await page.locator('body').innerText();
        for (const pageNo of PAGES) expect(body).toMatch(new RegExp(`${key}[0-9a-z]+-page-${pageNo}\\b`));

        mkdirSync(dirname(SCREENSHOT), { recursive: true });
        await page.screenshot({ path: SCREENSHOT, fullPage: false });
        expect(existsSync(SCREENSHOT)).toBe(true);
      } finally {
        await browser?.close();
      }
    },
  );
});

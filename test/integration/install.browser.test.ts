import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type RunningApi } from '@ghl-sync/api';
import { loadConfig } from '@ghl-sync/config';
import { createLogger } from '@ghl-sync/logger';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
const TOKEN = 'install-browser-test-token-5d2e-8b1c07';
if (!HAS_CHROMIUM)
  console.warn(
    `install.browser.test: SKIPPED, ${CHROMIUM} not found (install it with \`apt-get install -y chromium\`)`,
  );

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

// Headless Chromium clicks through a marketplace install as a person would: the API's install link,
// the sandbox's approval page (GHL's chooselocation), the callback; the location is then listed by
// the admin API with its first sync (real worker, sandbox, Postgres and Redis).
describe('marketplace install in a browser', () => {
  let stack: TestStack;
  let api: RunningApi;
  beforeAll(async () => {
    if (!HAS_CHROMIUM) return;
    stack = await startTestStack({
      sandbox: { seed: 93, locations: [{ opportunities: 120, name: 'Browser install' }, { opportunities: 10 }] },
      registerLocations: false,
      env: { ADMIN_TOKEN: TOKEN, GHL_OAUTH_CLIENT_ID: 'sandbox-client', GHL_OAUTH_CLIENT_SECRET: 'sandbox-secret' },
    });
    await stack.startWorkers(1);
    const port = await freePort();
    api = await startApi(
      loadConfig({
        ...stack.env,
        API_PORT: String(port),
        GHL_OAUTH_REDIRECT_URI: `http://127.0.0.1:${port}/oauth/callback`,
        GHL_MARKETPLACE_URL: stack.sandbox.url,
      }),
      createLogger({ name: 'api', level: 'warn', format: 'json' }),
      { host: '127.0.0.1' },
    );
  });
  afterAll(async () => {
    await api?.close();
    await stack?.stop();
  });

  it.skipIf(!HAS_CHROMIUM)(
    `install link → approval page → callback → the location is in /api/locations and synced (needs ${CHROMIUM})`,
    async () => {
      const location = stack.sandbox.locations[0]!;
      let browser: Browser | undefined;
      try {
        browser = await chromium.launch({
          executablePath: CHROMIUM,
          args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
        });
        const page = await (await browser.newContext()).newPage();
        const approval = await page.goto(`${api.url}/oauth/install?userType=Location`);
        // The browser followed the 302 to the marketplace's approval page.
        expect(approval?.url()).toMatch(new RegExp(`^${stack.sandbox.url}/oauth/chooselocation\\?`));
        expect(await page.locator('body').innerText()).toContain('opportunities.readonly');
        await page.locator(`button[data-location-id="${location.id}"]`).click();
        await page.waitForURL(new RegExp(`^${api.url}/oauth/callback\\?`));
        await expect(page.locator('#location').getAttribute('data-location-id')).resolves.toBe(location.id);
        expect(await page.locator('h1').innerText()).toBe('Location connected');
      } finally {
        await browser?.close();
      }

      const listed = await fetch(`${api.url}/api/locations`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(listed.status).toBe(200);
      const { locations } = (await listed.json()) as {
        locations: Array<{ id: string; authType: string; lastRun: { id: number } | null }>;
      };
      expect(locations).toEqual([expect.objectContaining({ id: location.id, authType: 'oauth' })]);
      const run = await stack.wait(locations[0]!.lastRun!.id);
      expect(run).toMatchObject({ status: 'completed', trigger: 'install', inserted: 120 });
      expect(await stack.compare(location.id)).toMatchObject({ checked: 120, mismatches: [] });
    },
  );
});

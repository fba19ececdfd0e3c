import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '@ghl-sync/api';
import {
  getAgency,
  getLocation,
  getRun,
  listAgencies,
  listLocations,
  listRuns,
  upsertLocation,
  type Db,
} from '@ghl-sync/db';
import { createMetrics } from '@ghl-sync/metrics';
import { QUEUES } from '@ghl-sync/queues';
import { CLI_BIN, startTestStack, type TestStack } from '../support/test-stack.js';
import { queuedPages } from '../support/queued-pages.js';
import { waitFor } from '../support/wait-for.js';

// An agency approves the marketplace app once, for all its sub-accounts (ghl-api.md §5.1–5.2):
// everything below goes through HTTP only: the API's install link, the sandbox's chooselocation
// page, the callback, GHL's OAuth endpoints, the app's signed INSTALL / UNINSTALL webhooks.

const ADMIN_TOKEN = 'adm-agency-install-test-token-7f2c-91ab';
const BIG = 800;
const SMALL = 15;

const liveRows = async (db: Db, locationId: string) =>
  (
    await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ghl.opportunities WHERE location_id = $1 AND deleted_at IS NULL`,
      [locationId],
    )
  ).rows[0]!.n;

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

/** What a browser does: follows the install link to the approval page, approves, comes back. */
async function installAsAgency(apiUrl: string): Promise<{ status: number; body: string }> {
  const start = await fetch(`${apiUrl}/oauth/install`, { redirect: 'manual' });
  expect(start.status).toBe(302);
  const cookie = start.headers.get('set-cookie')!.split(';')[0]!;
  const approvalUrl = new URL(start.headers.get('location')!);
  const approvalPage = await fetch(approvalUrl);
  expect(approvalPage.status).toBe(200);
  // The page's form: hidden fields echo the link's parameters; the agency button approves all.
  const form = new URLSearchParams();
  for (const key of ['client_id', 'redirect_uri', 'scope', 'state']) form.set(key, approvalUrl.searchParams.get(key)!);
  form.set('target', 'company');
  const approved = await fetch(new URL('/oauth/chooselocation', approvalUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
    redirect: 'manual',
  });
  expect(approved.status).toBe(302);
  const callback = await fetch(approved.headers.get('location')!, { headers: { cookie }, redirect: 'manual' });
  return { status: callback.status, body: await callback.text() };
}

describe('agency install: one approval registers and syncs every installed sub-account', () => {
  let stack: TestStack;
  let api: FastifyInstance;
  let apiUrl: string;
  const ids = () => stack.sandbox.locations.map((l) => l.id);

  beforeAll(async () => {
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    stack = await startTestStack({
      sandbox: {
        seed: 314,
        // 50 sub-accounts of the sandbox's agency: one of 8 pages, 49 of one page.
        locations: [{ opportunities: BIG }, ...Array.from({ length: 49 }, () => ({ opportunities: SMALL }))],
        webhookRsaModulusLength: 2048,
      },
      registerLocations: false,
      env: {
        GHL_OAUTH_CLIENT_ID: 'sandbox-client',
        GHL_OAUTH_CLIENT_SECRET: 'sandbox-secret',
        GHL_OAUTH_APP_ID: 'sandbox-app',
        RATE_LIMIT_DAILY: '0',
        // Every installed location gets a scheduler that never fires during the test (29 February):
        // the default, every 30 min, started scheduled runs whenever the test crossed :00 or :30.
        AGENCY_SCHEDULE_CRON: '0 0 29 2 *',
      },
    });
    const keys = await stack.sandbox.admin.webhookKeys();
    api = await createApi({
      adminToken: ADMIN_TOKEN,
      logger: stack.logger,
      db: stack.database.db,
      queues: stack.queues,
      redis: { ping: async () => 'PONG' },
      metrics: createMetrics({ service: 'api', processMetrics: false }),
      webhooks: {
        keys: {
          ed25519PublicKeyPem: keys.ed25519PublicKeyPem,
          rsaPublicKeyPem: keys.rsaPublicKeyPem,
          acceptLegacy: true,
        },
        debounceMs: 50,
      },
      tokens: stack.database.tokens,
      oauth: {
        clientId: 'sandbox-client',
        clientSecret: 'sandbox-secret',
        appId: 'sandbox-app',
        redirectUri: `${apiUrl}/oauth/callback`,
        marketplaceUrl: stack.sandbox.url,
        baseUrl: stack.sandbox.url,
      },
    });
    await api.listen({ port, host: '127.0.0.1' });
    stack.sandbox.admin.setWebhookSettings({ url: `${apiUrl}/webhooks/ghl` });
    await stack.startWorkers(2);
  });
  afterAll(async () => {
    await api?.close();
    await stack?.stop();
  });

  const completedRuns = async () => {
    let done = 0;
    for (const id of ids()) {
      const [last] = await listRuns(stack.database.db, { locationId: id, limit: 1 });
      if (last?.status === 'completed') done += 1;
    }
    return done;
  };

  it('registers all 50 locations with minted tokens and syncs each exactly', async () => {
    const callback = await installAsAgency(apiUrl);
    expect(callback.status, callback.body).toBe(200);
    expect(callback.body).toContain(stack.sandbox.companyId);
    expect(callback.body).not.toMatch(/eyJ/); // no token on the page

    await waitFor('50 first runs completed', async () => (await completedRuns()) === 50, 180_000);
    const locations = await listLocations(stack.database.db);
    expect(locations).toHaveLength(50);
    for (const l of locations) expect(l).toMatchObject({ authType: 'agency', agencyId: stack.sandbox.companyId });
    for (const id of ids()) {
      const [run] = await listRuns(stack.database.db, { locationId: id, limit: 1 });
      expect(run).toMatchObject({ trigger: 'install', status: 'completed', inserted: id === ids()[0] ? BIG : SMALL });
      expect(await stack.compare(id)).toMatchObject({ mismatches: [] });
      // One mint per location: the reconcile's, then every request of the run used it.
      expect(stack.sandbox.admin.getStats(id).locationTokenMints).toBe(1);
    }
    // Stored sealed, never in plaintext.
    const { rows } = await stack.database.db.query<{ a: string; r: string }>(
      `SELECT access_token AS a, refresh_token AS r FROM ghl.agencies`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.a).toMatch(/^v1:/);
    expect(rows[0]!.r).toMatch(/^v1:/);
    const [agency] = await listAgencies(stack.database.db);
    expect(agency).toMatchObject({ id: stack.sandbox.companyId, locations: 50, uninstalledLocations: 0 });
  });

  it('re-mints an expired location token exactly once across 8 concurrent page jobs on 2 workers, and refreshes the Company token once without reusing a refresh token', async () => {
    const id = ids()[0]!;
    const mintsBefore = stack.sandbox.admin.getStats(id).locationTokenMints;
    const companyBefore = stack.sandbox.admin.companyOAuthStats();
    const agencyBefore = await getAgency(stack.database.db, stack.sandbox.companyId, stack.database.tokens);
    await stack.queues.page.pause();
    let runId: number;
    try {
      runId = (await stack.startRun(id, { mode: 'resync' })).id;
      await waitFor('8 queued page jobs', async () => {
        if ((await getRun(stack.database.db, runId))?.status !== 'writing') return false;
        return (await queuedPages(stack)) === 8;
      });
      // Both the minted token and the Company token die while the jobs wait; latency keeps all 8
      // requests in flight together, so each meets the 401 before anyone has minted again.
      expect(stack.sandbox.admin.expireAccessToken(id)).toBeGreaterThan(0);
      expect(stack.sandbox.admin.expireAccessToken(stack.sandbox.companyId)).toBeGreaterThan(0);
      stack.sandbox.admin.setKnobs(id, { latencyMs: { medianMs: 1_000, jitterMs: 0 } });
    } finally {
      await stack.queues.page.resume();
    }
    const done = await stack.wait(runId!, 90_000);
    stack.sandbox.admin.resetKnobs(id);
    expect(done).toMatchObject({ status: 'completed', failedPages: 0, listed: BIG });
    expect(await stack.compare(id)).toMatchObject({ checked: BIG, mismatches: [] });
    expect(stack.sandbox.admin.getStats(id).locationTokenMints - mintsBefore).toBe(1);
    const companyAfter = stack.sandbox.admin.companyOAuthStats();
    expect(companyAfter.refreshCalls - companyBefore.refreshCalls).toBe(1);
    expect(companyAfter.refreshReused).toBe(0);
    for (const l of ids()) expect(stack.sandbox.admin.getStats(l).refreshReused).toBe(0);
    const agencyAfter = await getAgency(stack.database.db, stack.sandbox.companyId, stack.database.tokens);
    expect(agencyAfter!.tokenGeneration).toBe(agencyBefore!.tokenGeneration + 1);
    expect(agencyAfter!.refreshToken).not.toBe(agencyBefore!.refreshToken);
  });

  it('registers and syncs a 51st location installed later (INSTALL webhook)', async () => {
    const [created] = stack.sandbox.admin.installApp(stack.sandbox.companyId, { locations: 1, opportunities: 40 });
    const id = created!.id;
    await waitFor(
      'the 51st location synced',
      async () => {
        const [run] = await listRuns(stack.database.db, { locationId: id, limit: 1 });
        return run?.status === 'completed';
      },
      60_000,
    );
    const location = await getLocation(stack.database.db, id, stack.database.tokens);
    expect(location).toMatchObject({ authType: 'agency', agencyId: stack.sandbox.companyId, uninstalledAt: null });
    expect(await stack.compare(id)).toMatchObject({ checked: 40, mismatches: [] });
    const { rows } = await stack.database.db.query<{ outcome: string }>(
      `SELECT outcome FROM ghl.webhook_events WHERE type = 'INSTALL' AND location_id = $1`,
      [id],
    );
    expect(rows).toEqual([{ outcome: 'app_event' }]);
    const said = stack.logs
      .join('')
      .split('\n')
      .filter((l) => l.includes('"type":"INSTALL"') && l.includes('"outcome":"app_event"'));
    expect(said.length).toBeGreaterThan(0);
    for (const l of said) expect(l).toContain('app installed: agency reconcile enqueued');
  });

  it('an INSTALL that meets a reconcile in progress is reconciled after it, not dropped', async () => {
    // The reconcile lease of a worker that died mid-reconcile: it lasts until its TTL.
    const lease = `${stack.redis.prefix}:agency-reconcile:{${stack.sandbox.companyId}}`;
    expect(await stack.redis.redis.set(lease, 'a-process-that-died', 'PX', 60_000, 'NX')).toBe('OK');
    const [created] = stack.sandbox.admin.installApp(stack.sandbox.companyId, { locations: 1, opportunities: 30 });
    const id = created!.id;
    // The INSTALL's reconcile found the lease taken and is waiting to try again.
    await waitFor(
      'the INSTALL reconcile to be refused by the lease',
      async () => {
        const jobs = await stack.queues.maintenance.getJobs(['delayed', 'wait', 'active', 'completed']);
        return jobs.find(
          (j) =>
            j.name === QUEUES.maintenance.jobNames.reconcileAgency &&
            j.data.agencyId === stack.sandbox.companyId &&
            j.attemptsMade >= 1 &&
            j.failedReason?.includes('being reconciled by another process'),
        );
      },
      30_000,
    );
    expect(await getLocation(stack.database.db, id, stack.database.tokens)).toBeNull();
    await stack.redis.redis.del(lease);
    await waitFor(
      'the location installed during the other reconcile synced',
      async () => {
        const [run] = await listRuns(stack.database.db, { locationId: id, limit: 1 });
        return run?.status === 'completed';
      },
      60_000,
    );
    expect(await stack.compare(id)).toMatchObject({ checked: 30, mismatches: [] });
  });

  it('stops an uninstalled location (UNINSTALL webhook): no schedule, no calls, rows kept', async () => {
    const id = ids()[1]!;
    expect(await stack.queues.coordinator.getJobScheduler(QUEUES.coordinator.schedulerId(id))).toBeTruthy();
    const rowsBefore = await liveRows(stack.database.db, id);
    expect(stack.sandbox.admin.uninstallApp(id)).toBe(true);
    await waitFor('location marked uninstalled', async () => {
      const l = await getLocation(stack.database.db, id, stack.database.tokens);
      return l?.uninstalledAt != null;
    });
    expect(await stack.queues.coordinator.getJobScheduler(QUEUES.coordinator.schedulerId(id))).toBeFalsy();
    const requestsBefore = stack.sandbox.admin.getStats(id).requests;
    await expect(stack.startRun(id)).rejects.toMatchObject({ code: 'location_uninstalled' });
    expect(stack.sandbox.admin.getStats(id).requests).toBe(requestsBefore);
    expect(await liveRows(stack.database.db, id)).toBe(rowsBefore);
  });

  it('leaves a location synced with its own PIT alone when the app is installed on it or removed from it', async () => {
    const pit = stack.sandbox.admin.createLocation({ opportunities: 12 });
    await upsertLocation(
      stack.database.db,
      { id: pit.id, accessToken: pit.token, scheduleCron: null },
      stack.database.tokens,
    );
    stack.sandbox.admin.authorize({ userType: 'Location', locationId: pit.id });
    await stack.sandbox.admin.webhooksIdle();
    stack.sandbox.admin.uninstallApp(pit.id);
    await stack.sandbox.admin.webhooksIdle();
    const { rows } = await stack.database.db.query<{ type: string }>(
      `SELECT type FROM ghl.webhook_events WHERE location_id = $1 ORDER BY id`,
      [pit.id],
    );
    expect(rows.map((r) => r.type)).toEqual(['INSTALL', 'UNINSTALL']);
    // The INSTALL's reconcile ran (webhooks answered after enqueueing): whatever it did, the PIT stays.
    await stack.queues.maintenance.add(QUEUES.maintenance.jobNames.reconcileAgency, {
      task: 'reconcile_agency',
      agencyId: stack.sandbox.companyId,
    });
    await waitFor('the reconcile done', async () => {
      const counts = await stack.queues.maintenance.getJobCounts('waiting', 'active');
      return counts['waiting'] === 0 && counts['active'] === 0;
    });
    const location = await getLocation(stack.database.db, pit.id, stack.database.tokens);
    expect(location).toMatchObject({ authType: 'pit', agencyId: null, uninstalledAt: null, accessToken: pit.token });
    expect((await stack.sync(pit.id)).status).toBe('completed');
    // Out of the count the CLI test below expects.
    await stack.database.db.query(`DELETE FROM ghl.locations WHERE id = $1`, [pit.id]);
  });

  it('the periodic reconcile adds an install whose webhook was lost and flags a location that disappeared', async () => {
    stack.sandbox.admin.setWebhookSettings({ lossRate: 1 });
    const [created] = stack.sandbox.admin.installApp(stack.sandbox.companyId, { locations: 1, opportunities: 25 });
    const gone = ids()[2]!;
    stack.sandbox.admin.uninstallApp(gone);
    stack.sandbox.admin.setWebhookSettings({ lossRate: 0 });
    // What the AGENCY_RECONCILE_INTERVAL_MS scheduler fires: one reconcile per agency.
    await stack.queues.maintenance.add(QUEUES.maintenance.jobNames.reconcileAgencies, { task: 'reconcile_agencies' });
    await waitFor(
      'the missed install synced and the disappeared location flagged',
      async () => {
        const [run] = await listRuns(stack.database.db, { locationId: created!.id, limit: 1 });
        const l = await getLocation(stack.database.db, gone, stack.database.tokens);
        return run?.status === 'completed' && l?.uninstalledAt != null;
      },
      60_000,
    );
    expect(await stack.compare(created!.id)).toMatchObject({ checked: 25, mismatches: [] });
    const l = await getLocation(stack.database.db, gone, stack.database.tokens);
    expect(l!.uninstallReason).toMatch(/no longer lists/);
  });

  it('refuses a callback without the state of an install started in this browser, or one used twice', async () => {
    const start = await fetch(`${apiUrl}/oauth/install`, { redirect: 'manual' });
    const cookie = start.headers.get('set-cookie')!.split(';')[0]!;
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    // An approval for one location already installed: nothing changes but the Company pair.
    const { code } = stack.sandbox.admin.authorize({
      userType: 'Company',
      locationIds: [ids()[0]!],
      redirectUri: `${apiUrl}/oauth/callback`,
    });
    const generation = async () =>
      (await getAgency(stack.database.db, stack.sandbox.companyId, stack.database.tokens))!.tokenGeneration;
    const before = await generation();
    // Another browser (no cookie): a forged callback.
    const forged = await fetch(`${apiUrl}/oauth/callback?code=${code}&state=${state}`, { redirect: 'manual' });
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('oauth_state_invalid');
    // Wrong state with the cookie.
    const wrong = await fetch(`${apiUrl}/oauth/callback?code=${code}&state=x${state}`, {
      headers: { cookie },
      redirect: 'manual',
    });
    expect(wrong.status).toBe(400);
    // The right one works once; its replay is refused.
    const ok = await fetch(`${apiUrl}/oauth/callback?code=${code}&state=${state}`, { headers: { cookie } });
    expect(ok.status).toBe(200);
    const replay = await fetch(`${apiUrl}/oauth/callback?code=${code}&state=${state}`, { headers: { cookie } });
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('already used or has expired');
    // Only the one accepted callback stored a Company pair.
    expect(await generation()).toBe(before + 1);
  });

  it('agencies list and locations list show each agency and how each location is authorised', async () => {
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [CLI_BIN, ...args], { env: { ...process.env, ...stack.env }, encoding: 'utf8' });
    const agencies = cli('agencies', 'list');
    expect(agencies.status, agencies.stderr).toBe(0);
    expect(agencies.stdout.split('\t').slice(0, 2), agencies.stdout).toEqual([
      stack.sandbox.companyId,
      '53 location(s), 2 uninstalled',
    ]);
    const locations = cli('locations', 'list');
    expect(locations.status, locations.stderr).toBe(0);
    const lines = locations.stdout.trim().split('\n');
    expect(lines).toHaveLength(53);
    for (const line of lines) expect(line).toContain(`\tminted-from-agency ${stack.sandbox.companyId}\t`);
    expect(lines.filter((l) => l.includes('\tUNINSTALLED: '))).toHaveLength(2);
    expect(lines.filter((l) => l.endsWith('\tok'))).toHaveLength(51);
  });

  it('never logs a token, a code or the client secret', async () => {
    const agency = await getAgency(stack.database.db, stack.sandbox.companyId, stack.database.tokens);
    const location = await getLocation(stack.database.db, ids()[0]!, stack.database.tokens);
    const text = stack.logs.join('');
    for (const secret of ['sandbox-secret', agency!.accessToken, agency!.refreshToken, location!.accessToken])
      expect(text).not.toContain(secret);
  });
});

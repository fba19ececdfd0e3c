import { execFile, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type RunningApi } from '@ghl-sync/api';
import { loadConfig } from '@ghl-sync/config';
import { getLocation } from '@ghl-sync/db';
import { createLogger } from '@ghl-sync/logger';
import { QUEUES } from '@ghl-sync/queues';
import { CLI_BIN, startTestStack, type TestStack } from '../support/test-stack.js';
import { fireScheduleAndWait } from '../support/schedule-fire.js';

// A wrong Private Integration Token must never be accepted silently: it is checked when the location
// is added, and a token GHL refuses later marks the location as needing attention and stops its schedule.
describe('location token check and refused PITs', () => {
  const ADMIN_TOKEN = 'admin-token-check-0123456789abcdef';
  let stack: TestStack;
  let api: RunningApi;
  // Asynchronous: the sandbox answering the CLI's check runs in this process.
  const cli = (...args: string[]) =>
    new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [CLI_BIN, ...args], { env: { ...process.env, ...stack.env } }, (err, stdout, stderr) =>
        resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  beforeAll(async () => {
    stack = await startTestStack({
      sandbox: { seed: 17, locations: [{ opportunities: 30 }, { opportunities: 30 }, { opportunities: 30 }] },
      registerLocations: false,
      env: { ADMIN_TOKEN, GHL_OAUTH_CLIENT_ID: 'sandbox-client', GHL_OAUTH_CLIENT_SECRET: 'sandbox-secret' },
    });
    api = await startApi(
      loadConfig({ ...stack.env, API_PORT: '0' }),
      createLogger({ name: 'api', level: 'warn', format: 'json' }),
      { host: '127.0.0.1' },
    );
    await stack.startWorkers(1);
  });
  afterAll(async () => {
    await api?.close();
    await stack?.stop();
  });

  it('refuses to register a token GHL rejects, and registers a good one after one check', async () => {
    const { id, token } = stack.sandbox.locations[0]!;
    const bad = await cli('locations', 'add', id, '--token', 'pit-00000000-typo', '--no-schedule');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('error [location_token_rejected]: GHL refused the token for location');
    expect(bad.stderr).toContain('Invalid token');
    expect(bad.stderr).toContain('nothing was registered');
    expect(bad.stderr + bad.stdout).not.toContain('pit-00000000-typo');
    expect(await getLocation(stack.database.db, id, stack.database.tokens)).toBeNull();

    const before = stack.sandbox.admin.getStats(id).requests;
    const good = await cli('locations', 'add', id, '--token', token, '--no-schedule');
    expect(good.status).toBe(0);
    expect(good.stdout).toContain('checked with GHL');
    expect(stack.sandbox.admin.getStats(id).requests - before).toBe(1);
    expect((await getLocation(stack.database.db, id, stack.database.tokens))!.accessToken).toBe(token);
  });

  it('stores an OAuth pair whose access token GHL calls expired as due: the first run refreshes before its first GHL call', async () => {
    const { id } = stack.sandbox.locations[2]!;
    const install = stack.sandbox.admin.createOAuthInstall(id, { accessTokenTtlSec: 3_600 });
    expect(stack.sandbox.admin.expireAccessToken(id)).toBeGreaterThanOrEqual(1);
    const add = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [CLI_BIN, 'locations', 'add', id, '--token-stdin', '--expires-in', '86399', '--no-schedule'],
        { env: { ...process.env, ...stack.env } },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c) => (stdout += String(c)));
      child.stderr.on('data', (c) => (stderr += String(c)));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
      child.stdin.end(`${install.accessToken}\n${install.refreshToken}\n`);
    });
    expect(add.stderr).toBe('');
    expect(add.status).toBe(0);
    expect(add.stdout).toContain('checked with GHL and stored, not shown; the access token has expired');
    const saved = (await getLocation(stack.database.db, id, stack.database.tokens))!;
    expect(saved).toMatchObject({ authType: 'oauth', refreshToken: install.refreshToken, needsReconnect: false });
    // Due now, not in the 86,399 s the command line claimed.
    expect(saved.tokenExpiresAt!.getTime()).toBeLessThanOrEqual(Date.now());

    const before = stack.sandbox.admin.getStats(id);
    const run = await stack.sync(id, { timeoutMs: 60_000 });
    expect(run).toMatchObject({ status: 'completed', errorCode: null });
    const after = stack.sandbox.admin.getStats(id);
    expect(after.refreshCalls - before.refreshCalls).toBe(1);
    // Refreshed before its first call: no request of the run met a 401.
    expect((after.byStatus['401'] ?? 0) - (before.byStatus['401'] ?? 0)).toBe(0);
  });

  it('a PIT that answers 401 marks the location, which every view shows and the scheduler stops firing', async () => {
    const { id } = stack.sandbox.locations[1]!;
    const add = await cli(
      'locations',
      'add',
      id,
      '--token',
      'pit-00000000-typo',
      '--no-check',
      '--schedule',
      '*/30 * * * *',
    );
    expect(add.status).toBe(0);
    expect(await stack.queues.coordinator.getJobScheduler(QUEUES.coordinator.schedulerId(id) as never)).toBeTruthy();

    const run = await stack.sync(id, { timeoutMs: 60_000 });
    expect(run).toMatchObject({ status: 'failed', errorCode: 'ghl_unauthorized' });
    const location = (await getLocation(stack.database.db, id, stack.database.tokens))!;
    expect(location.needsReconnect).toBe(true);
    expect(location.reconnectReason).toMatch(/^GHL refused the Private Integration Token \(401: Invalid token/);

    const list = await cli('locations', 'list');
    expect(list.stdout).toMatch(new RegExp(`${id}.*NEEDS ATTENTION: GHL refused the Private Integration Token`));
    const runs = await cli('runs', 'list', '--location', id);
    expect(runs.stdout).toContain('ghl_unauthorized');
    const res = await fetch(`${api.url}/api/locations`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    const body = (await res.json()) as { locations: Array<Record<string, unknown>> };
    expect(body.locations.find((l) => l['id'] === id)).toMatchObject({
      needsReconnect: true,
      reconnectReason: location.reconnectReason,
    });

    // The next scheduled fire sends nothing and removes the schedule.
    const requests = stack.sandbox.admin.getStats(id).requests;
    const job = await fireScheduleAndWait(stack, id);
    expect(job.returnvalue).toMatchObject({ runId: null, skipped: 'location_needs_reconnect' });
    expect(stack.sandbox.admin.getStats(id).requests).toBe(requests);
    expect(await stack.queues.coordinator.getJobScheduler(QUEUES.coordinator.schedulerId(id) as never)).toBeFalsy();

    // Registering a good token clears the mark and brings the schedule back.
    expect((await cli('locations', 'add', id, '--token', stack.sandbox.locations[1]!.token)).status).toBe(0);
    expect((await getLocation(stack.database.db, id, stack.database.tokens))!.needsReconnect).toBe(false);
    expect(await stack.queues.coordinator.getJobScheduler(QUEUES.coordinator.schedulerId(id) as never)).toBeTruthy();
  });
});

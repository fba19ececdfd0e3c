import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type RunningApi } from '@ghl-sync/api';
import { loadConfig } from '@ghl-sync/config';
import { getLocation, upsertLocation } from '@ghl-sync/db';
import { createLogger } from '@ghl-sync/logger';
import { startTestStack, type TestStack } from '../support/test-stack.js';

// #5 "tokens and the admin credential never appear": grep every log line of a whole run, at debug
// level, of two worker processes and the API, with a PIT location and an OAuth location whose
// access token expires mid-run.
describe('secrets in logs', () => {
  const ADMIN_TOKEN = 'admin-0123456789abcdef-very-secret';
  const CLIENT_SECRET = 'sandbox-secret';
  let stack: TestStack;
  let api: RunningApi;
  const apiLogs: string[] = [];
  beforeAll(async () => {
    stack = await startTestStack({
      sandbox: { seed: 81, locations: [{ opportunities: 400 }, { opportunities: 400 }] },
      env: {
        LOG_LEVEL: 'debug',
        GHL_OAUTH_CLIENT_ID: 'sandbox-client',
        GHL_OAUTH_CLIENT_SECRET: CLIENT_SECRET,
        ADMIN_TOKEN,
      },
    });
    const oauthLoc = stack.sandbox.locations[1]!.id;
    const install = stack.sandbox.admin.createOAuthInstall(oauthLoc, { accessTokenTtlSec: 3600 });
    await upsertLocation(
      stack.database.db,
      {
        id: oauthLoc,
        authType: 'oauth',
        accessToken: install.accessToken,
        refreshToken: install.refreshToken,
        tokenExpiresAt: new Date(Date.now() + 3_600_000),
        scheduleCron: null,
      },
      stack.database.tokens,
    );
    const sink = new Writable({
      write(chunk, _e, cb) {
        apiLogs.push(String(chunk));
        cb();
      },
    });
    api = await startApi(
      loadConfig({ ...stack.env, API_PORT: '0' }),
      createLogger({ name: 'api', level: 'debug', format: 'json', destination: sink }),
      { host: '127.0.0.1' },
    );
    stack.spawnWorkers(2);
  });
  afterAll(async () => {
    await api?.close();
    await stack?.stop();
  });

  it('a whole run through the API leaves no token, refresh token, client secret or admin credential in any log', async () => {
    const [pit, oauth] = stack.sandbox.locations;
    const oauthBefore = await getLocation(stack.database.db, oauth!.id, stack.database.tokens);
    const start = async (locationId: string) => {
      const res = await fetch(`${api.url}/api/syncs`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ locationId, mode: 'full' }),
      });
      expect(res.status).toBe(202);
      return ((await res.json()) as { runId: number }).runId;
    };
    const pitRun = await start(pit!.id);
    stack.sandbox.admin.expireAccessToken(oauth!.id); // forces a 401 "Invalid JWT" and one refresh mid-run
    const oauthRun = await start(oauth!.id);
    expect(await stack.wait(pitRun)).toMatchObject({ status: 'completed', inserted: 400 });
    expect(await stack.wait(oauthRun)).toMatchObject({ status: 'completed', inserted: 400 });
    expect(stack.sandbox.admin.getStats(oauth!.id).refreshCalls).toBe(1);
    const oauthAfter = await getLocation(stack.database.db, oauth!.id, stack.database.tokens);
    expect(oauthAfter!.accessToken).not.toBe(oauthBefore!.accessToken);

    const everything = [...stack.logs, ...apiLogs].join('');
    expect(everything.length).toBeGreaterThan(10_000);
    const secrets = [
      pit!.token,
      oauthBefore!.accessToken,
      oauthBefore!.refreshToken!,
      oauthAfter!.accessToken,
      oauthAfter!.refreshToken!,
      ADMIN_TOKEN,
      CLIENT_SECRET,
    ];
    for (const secret of secrets)
      expect(everything.includes(secret), `a secret of length ${secret.length} leaked`).toBe(false);
  });
});

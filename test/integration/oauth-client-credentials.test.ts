import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getLocation, listOAuthEvents } from '@ghl-sync/db';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { installOAuthLocation } from '../support/oauth-location.js';

// A wrong or rotated GHL_OAUTH_CLIENT_SECRET is the process's configuration problem, not the
// location's: GHL refuses the client (invalid_client) before it looks at the refresh token, so the
// run fails with its own code, nothing is marked, and fixing the secret heals the location.
describe('a wrong OAuth client secret', () => {
  let stack: TestStack;
  const WRONG = 'rotated-secret-4711';
  beforeAll(async () => {
    stack = await startTestStack({
      sandbox: { seed: 67, locations: [{ opportunities: 150 }] },
      env: { GHL_OAUTH_CLIENT_ID: 'sandbox-client', GHL_OAUTH_CLIENT_SECRET: 'sandbox-secret', RATE_LIMIT_DAILY: '0' },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('fails the run with oauth_client_invalid, marks nothing, and the fixed secret heals the location', async () => {
    const id = stack.sandbox.locations[0]!.id;
    const install = await installOAuthLocation(stack, 0);
    stack.sandbox.admin.expireAccessToken(id);
    const [wrong] = await stack.startWorkers(1, { GHL_OAUTH_CLIENT_SECRET: WRONG });
    const failed = await stack.sync(id, { timeoutMs: 60_000 });
    expect(failed).toMatchObject({ status: 'failed', errorCode: 'oauth_client_invalid' });
    expect(failed.error).toContain('GHL_OAUTH_CLIENT_SECRET');
    const metrics = await (await fetch(`http://127.0.0.1:${wrong!.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/ghl_sync_oauth_token_events_total\{kind="client_invalid"[^}]*\} [1-9]/);
    await wrong!.close();

    expect((await getLocation(stack.database.db, id, stack.database.tokens))!).toMatchObject({
      needsReconnect: false,
      accessToken: install.accessToken,
      refreshToken: install.refreshToken,
    });
    expect(await listOAuthEvents(stack.database.db, id, { from: new Date(0), to: null })).toEqual([]);
    expect(stack.sandbox.admin.getStats(id)).toMatchObject({ refreshCalls: 0, reconnectCalls: 0 });
    const loud = stack.logs
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.includes('GHL refused the OAuth client credentials'));
    expect(loud.length).toBeGreaterThan(0);
    expect(JSON.parse(loud[0]!)).toMatchObject({ level: 50, code: 'oauth_client_invalid' });
    expect(stack.logs.join('')).not.toContain(WRONG);

    await stack.startWorkers(1);
    const healed = await stack.sync(id, { timeoutMs: 60_000 });
    expect(healed).toMatchObject({ status: 'completed', inserted: 150 });
    expect(stack.sandbox.admin.getStats(id)).toMatchObject({ refreshCalls: 1, refreshReused: 0, reconnectCalls: 0 });
  });
});

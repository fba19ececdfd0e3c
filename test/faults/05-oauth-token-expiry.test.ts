import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getLocation, upsertLocation } from '@ghl-sync/db';
import { checkLocation } from './support/check-location.js';
import { expectExact } from './support/expect-exact.js';
import { startFaultStack, type FaultStack } from './support/fault-stack.js';
import { waitUntilMidRun } from './support/restart-scenario.js';
import { recordResult, scaled } from './support/results.js';

// Scenario 5: the access token of an OAuth location expires in the middle of a run.
const RECORDS = scaled(2_000, 20_000);

describe('fault 5: OAuth access token expires mid-run', () => {
  let stack: FaultStack;
  let loc: string;
  const started = Date.now();
  const result = { runs: 0, rowsChecked: 0, lost: 0, duplicated: 0, notes: '' };
  beforeAll(async () => {
    stack = await startFaultStack({
      sandbox: { seed: 505, locations: [{ opportunities: RECORDS }] },
      registerLocations: false,
      env: {
        GHL_OAUTH_CLIENT_ID: 'sandbox-client',
        GHL_OAUTH_CLIENT_SECRET: 'sandbox-secret',
        WORKER_CONCURRENCY: '4',
      },
    });
    loc = stack.sandbox.locations[0]!.id;
    const install = stack.sandbox.admin.createOAuthInstall(loc, { accessTokenTtlSec: 3_600 });
    await upsertLocation(
      stack.db,
      {
        id: loc,
        authType: 'oauth',
        accessToken: install.accessToken,
        refreshToken: install.refreshToken,
        tokenExpiresAt: new Date(Date.now() + 3_600_000),
        scheduleCron: null,
      },
      stack.tokens,
    );
    stack.sandbox.admin.setKnobs(loc, { latencyMs: { medianMs: 60, jitterMs: 30 } });
    stack.spawnWorkers(2);
  });
  afterAll(async () => {
    recordResult({ scenario: '5 OAuth expiry', ...result, durationMs: Date.now() - started });
    stack?.dumpLogs('05-oauth-token-expiry');
    await stack?.stop();
  });

  it('refreshes once and completes the run with exact data', async () => {
    const run = await stack.startRun(loc);
    await waitUntilMidRun(stack, run.id, 4);
    expect(stack.sandbox.admin.expireAccessToken(loc)).toBeGreaterThan(0);
    const done = await stack.wait(run.id, scaled(180_000, 900_000));
    result.runs = 1;
    expect(done).toMatchObject({
      status: 'completed',
      listed: RECORDS,
      inserted: RECORDS,
      failedPages: 0,
      sweepStatus: 'done',
    });
    const stats = stack.sandbox.admin.getStats(loc);
    result.notes = `refreshCalls ${stats.refreshCalls}, 401s ${stats.byStatus['401'] ?? 0}`;
    expect(stats.refreshCalls).toBe(1);
    const location = await getLocation(stack.db, loc, stack.tokens);
    expect(location).toMatchObject({ needsReconnect: false });
    const check = await checkLocation(stack.db, stack.sandbox, loc);
    Object.assign(result, { rowsChecked: check.checked, lost: check.lost.length, duplicated: check.duplicated });
    expectExact(check, { checked: RECORDS, tombstoned: 0 });
  });
});

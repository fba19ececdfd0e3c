import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getLocation, getRun, listPages, upsertLocation } from '@ghl-sync/db';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { installOAuthLocation } from '../support/oauth-location.js';
import { fireScheduleAndWait } from '../support/schedule-fire.js';
import { waitFor } from '../support/wait-for.js';
import { queuedPages } from '../support/queued-pages.js';

// #4: OAuth locations. Refresh tokens are single use (ghl-api.md §5.1): one refresh for many 401s,
// both tokens saved before use; a refused refresh disconnects the location; other 401/403 are final.

/** `POST /oauth/token` with a refresh token, as GHL expects it (form-encoded, ghl-api.md §5.1). */
async function tryRefresh(stack: TestStack, refreshToken: string): Promise<number> {
  const res = await fetch(`${stack.sandbox.url}/oauth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      client_id: 'sandbox-client',
      client_secret: 'sandbox-secret',
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      user_type: 'Location',
    }),
  });
  return res.status;
}

describe('OAuth locations (#4)', () => {
  let stack: TestStack;
  const loc = (i: number) => stack.sandbox.locations[i]!.id;
  const installOAuth = (i: number, ttlSec?: number) => installOAuthLocation(stack, i, ttlSec);
  beforeAll(async () => {
    stack = await startTestStack({
      sandbox: {
        seed: 49,
        locations: [
          { opportunities: 800 },
          { opportunities: 200 },
          { opportunities: 100 },
          { opportunities: 100 },
          { opportunities: 200 },
        ],
      },
      env: { GHL_OAUTH_CLIENT_ID: 'sandbox-client', GHL_OAUTH_CLIENT_SECRET: 'sandbox-secret', RATE_LIMIT_DAILY: '0' },
    });
    // Two "processes", 8 page slots each: the 8 page jobs below run at once across both.
    await stack.startWorkers(2);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  describe('when 8 page jobs hit 401 "Invalid JWT" at once', () => {
    it('refreshes exactly once, saves both new tokens and retries each job once', async () => {
      const id = loc(0);
      const install = await installOAuth(0);
      await stack.queues.page.pause();
      let before;
      let run;
      try {
        run = await stack.startRun(id);
        await waitFor('8 queued page jobs', async () => {
          if ((await getRun(stack.database.db, run!.id))?.status !== 'writing') return false;
          // A paused queue keeps its jobs waiting; page jobs carry a priority, so BullMQ counts them as 'prioritized'.
          return (await queuedPages(stack)) === 8;
        });
        // The access token dies while all 8 jobs wait; 1.5 s of latency keeps all 8 requests in
        // flight together, so each of them meets the 401 before anyone has refreshed.
        expect(stack.sandbox.admin.expireAccessToken(id)).toBeGreaterThan(0);
        stack.sandbox.admin.setKnobs(id, { latencyMs: { medianMs: 1_500, jitterMs: 0 } });
        before = stack.sandbox.admin.getStats(id);
      } finally {
        await stack.queues.page.resume();
      }
      const done = await stack.wait(run.id, 60_000);
      expect(done).toMatchObject({ status: 'completed', inserted: 800, failedPages: 0 });
      expect(await stack.compare(id)).toMatchObject({ checked: 800, mismatches: [] });

      const after = stack.sandbox.admin.getStats(id);
      expect(after.refreshCalls - before.refreshCalls).toBe(1);
      expect((after.byStatus['401'] ?? 0) - (before.byStatus['401'] ?? 0)).toBe(8);
      expect(after.requests - before.requests).toBe(16);
      const pages = await listPages(stack.database.db, run.id);
      expect(pages.map((p) => [p.status, p.apiCalls])).toEqual(Array(8).fill(['done', 2]));

      const saved = (await getLocation(stack.database.db, id, stack.database.tokens))!;
      expect(saved.accessToken).not.toBe(install.accessToken);
      expect(saved.refreshToken).not.toBe(install.refreshToken);
      expect(saved.tokenExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 60_000);
      // Single use: the old refresh token is spent, the saved one still works (and is spent here, so re-save).
      expect(await tryRefresh(stack, install.refreshToken)).toBeGreaterThanOrEqual(400);
      expect(stack.logs.join('')).not.toContain(saved.refreshToken!);
    });
  });

  describe('when the access token is about to expire', () => {
    it('refreshes before sending, so GHL never answers 401', async () => {
      const id = loc(1);
      // A 100 s token saved 70 s ago: 30 s left, inside the provider's refresh window (min(60 s, lifetime / 2)).
      const install = stack.sandbox.admin.createOAuthInstall(id, { accessTokenTtlSec: 100 });
      await upsertLocation(
        stack.database.db,
        {
          id,
          authType: 'oauth',
          accessToken: install.accessToken,
          refreshToken: install.refreshToken,
          tokenExpiresAt: new Date(Date.now() + 30_000),
          scheduleCron: null,
        },
        stack.database.tokens,
      );
      await stack.database.db.query(
        `UPDATE ghl.locations SET updated_at = now() - interval '70 seconds' WHERE id = $1`,
        [id],
      );
      const run = await stack.sync(id, { timeoutMs: 30_000 });
      expect(run).toMatchObject({ status: 'completed', inserted: 200 });
      const stats = stack.sandbox.admin.getStats(id);
      expect(stats.refreshCalls).toBe(1);
      expect(stats.byStatus['401']).toBeUndefined();
      const saved = (await getLocation(stack.database.db, id, stack.database.tokens))!;
      expect(saved.refreshToken).not.toBe(install.refreshToken);
      expect(saved.tokenExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 60_000);
    });
  });

  describe('when the refresh is refused ("Location is not active")', () => {
    it('marks the location needs_reconnect, fails the run without a sweep, and the scheduler skips it', async () => {
      const id = loc(2);
      await installOAuth(2);
      // A first run makes a sweep possible, so "no sweep" below is meaningful.
      expect(await stack.sync(id, { timeoutMs: 30_000 })).toMatchObject({ status: 'completed', sweepStatus: 'done' });
      stack.sandbox.admin.setKnobs(id, { oauthLocationInactive: true });
      stack.sandbox.admin.expireAccessToken(id);
      const before = stack.sandbox.admin.getStats(id);
      const run = await stack.sync(id, { timeoutMs: 30_000 });
      expect(run).toMatchObject({ status: 'failed', errorCode: 'oauth_refresh_failed', deleted: 0 });
      expect(run.sweepStatus).not.toBe('done');
      const {
        rows: [tombstones],
      } = await stack.database.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ghl.opportunities WHERE location_id = $1 AND deleted_at IS NOT NULL`,
        [id],
      );
      expect(tombstones!.n).toBe(0);
      const location = (await getLocation(stack.database.db, id, stack.database.tokens))!;
      expect(location).toMatchObject({ needsReconnect: true });
      expect(location.reconnectReason).toMatch(/not active/i);
      const after = stack.sandbox.admin.getStats(id);
      expect(after.refreshCalls - before.refreshCalls).toBe(1);

      // A scheduled fire (no runId) is skipped without a run or a request.
      const job = await fireScheduleAndWait(stack, id);
      expect(job.returnvalue).toMatchObject({ runId: null, skipped: 'location_needs_reconnect' });
      expect(stack.sandbox.admin.getStats(id).requests).toBe(after.requests);
      const {
        rows: [runs],
      } = await stack.database.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ghl.sync_runs WHERE location_id = $1`,
        [id],
      );
      expect(runs!.n).toBe(2);
    });
  });

  describe.each([
    [3, 401, 'ghl_unauthorized'],
    [4, 403, 'ghl_forbidden'],
  ] as const)('when GHL answers %#: %i for another reason than an expired token', (i, status, code) => {
    it(`fails the run with ${code} and never refreshes`, async () => {
      const id = loc(i);
      const install = await installOAuth(i);
      // 401: a token GHL does not know ("Invalid token…"); 403: a valid token of another location.
      const other = stack.sandbox.admin.createOAuthInstall(loc(1));
      await upsertLocation(
        stack.database.db,
        {
          id,
          authType: 'oauth',
          accessToken: status === 401 ? 'not-a-token' : other.accessToken,
          refreshToken: install.refreshToken,
          tokenExpiresAt: new Date(Date.now() + 3_600_000),
          scheduleCron: null,
        },
        stack.database.tokens,
      );
      const before = stack.sandbox.admin.getStats(id);
      const run = await stack.sync(id, { timeoutMs: 30_000 });
      expect(run).toMatchObject({ status: 'failed', errorCode: code });
      expect(stack.sandbox.admin.getStats(id).refreshCalls).toBe(before.refreshCalls);
      expect(await tryRefresh(stack, install.refreshToken)).toBe(200);
      expect((await getLocation(stack.database.db, id, stack.database.tokens))!.needsReconnect).toBe(false);
    });
  });
});

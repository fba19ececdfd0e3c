import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getLocation, getRun, listOAuthEvents, markRefreshSent, saveLocationTokens } from '@ghl-sync/db';
import { createOAuthTokenProvider } from '@ghl-sync/sync';
import type { RunningWorker } from '@ghl-sync/worker';
import { CLI_BIN, startTestStack, type TestStack } from '../support/test-stack.js';
import { installOAuthLocation } from '../support/oauth-location.js';
import { fireScheduleAndWait } from '../support/schedule-fire.js';
import { waitFor } from '../support/wait-for.js';
import { queuedPages } from '../support/queued-pages.js';

// Refresh tokens are single use (ghl-api.md §5.1): a refresh whose answer is lost must never strand
// the location. The sandbox processes such refreshes (the old token is burnt) and loses the answer;
// ghl-sync never resends the token, recovers with the Reconnect API, and only a refused reconnect
// marks the location.

const CLIENT = { GHL_OAUTH_CLIENT_ID: 'sandbox-client', GHL_OAUTH_CLIENT_SECRET: 'sandbox-secret' };

/** Sum of `ghl_sync_oauth_token_events_total{kind}` over the workers' /metrics. */
async function oauthEventMetric(workers: RunningWorker[], kind: string): Promise<number> {
  let total = 0;
  for (const w of workers) {
    const text = await (await fetch(`http://127.0.0.1:${w.metricsPort}/metrics`)).text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith('ghl_sync_oauth_token_events_total') && l.includes(`kind="${kind}"`));
    total += line ? Number(line.split(' ').pop()) : 0;
  }
  return total;
}

describe('OAuth refresh recovery', () => {
  let stack: TestStack;
  let workers: RunningWorker[];
  const loc = (i: number) => stack.sandbox.locations[i]!.id;
  const installOAuth = (i: number, ttlSec?: number) => installOAuthLocation(stack, i, ttlSec);
  const eventKinds = async (id: string) =>
    (await listOAuthEvents(stack.database.db, id, { from: new Date(0), to: null })).map((e) => e.kind);

  beforeAll(async () => {
    stack = await startTestStack({
      sandbox: {
        seed: 61,
        locations: [
          { opportunities: 1_000 },
          { opportunities: 200 },
          { opportunities: 100 },
          { opportunities: 100 },
          { opportunities: 100 },
          { opportunities: 100 },
          { opportunities: 100 },
          { opportunities: 100 },
          { opportunities: 100 },
        ],
      },
      // GHL_TIMEOUT_MS stays at its default (30 s), the length of the refresh lock.
      env: { ...CLIENT, RATE_LIMIT_DAILY: '0' },
    });
    workers = await stack.startWorkers(2);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('(a) a refresh answer lost while 10 page jobs need the token: one reconnect, the run completes', async () => {
    const id = loc(0);
    const install = await installOAuth(0);
    await stack.queues.page.pause();
    let run;
    let before;
    try {
      run = await stack.startRun(id);
      await waitFor('10 queued page jobs', async () => {
        if ((await getRun(stack.database.db, run!.id))?.status !== 'writing') return false;
        return (await queuedPages(stack)) === 10;
      });
      // The token dies while the 10 jobs wait; latency keeps their requests in flight together,
      // so each meets the 401; the one refresh is processed by GHL but its answer is lost.
      stack.sandbox.admin.expireAccessToken(id);
      stack.sandbox.admin.setKnobs(id, { latencyMs: { medianMs: 1_000, jitterMs: 0 }, oauthRefreshDrop: 1 });
      before = stack.sandbox.admin.getStats(id);
    } finally {
      await stack.queues.page.resume();
    }
    const done = await stack.wait(run.id, 90_000);
    expect(done).toMatchObject({ status: 'completed', inserted: 1_000, failedPages: 0 });
    expect(await stack.compare(id)).toMatchObject({ checked: 1_000, mismatches: [] });

    const after = stack.sandbox.admin.getStats(id);
    expect(after.refreshCalls - before.refreshCalls).toBe(1);
    expect(after.refreshAnswersLost - before.refreshAnswersLost).toBe(1);
    expect(after.refreshReused).toBe(0);
    expect(after.reconnectCalls - before.reconnectCalls).toBe(1);
    expect(after.codeExchanges - before.codeExchanges).toBe(1);

    const saved = (await getLocation(stack.database.db, id, stack.database.tokens))!;
    expect(saved.needsReconnect).toBe(false);
    expect(saved.refreshToken).not.toBe(install.refreshToken);
    expect(await eventKinds(id)).toEqual(['refresh_outcome_unknown', 'reconnected']);
    expect(await oauthEventMetric(workers, 'reconnected')).toBe(1);
    const show = spawnSync(process.execPath, [CLI_BIN, 'runs', 'show', String(run.id)], {
      env: { ...process.env, ...stack.env },
      encoding: 'utf8',
    });
    expect(show.status).toBe(0);
    expect(show.stdout).toMatch(
      /oauth \S+ refresh_outcome_unknown: the refresh got no usable answer \(ghl_network_error\)/,
    );
    expect(show.stdout).toMatch(/oauth \S+ reconnected: /);
    expect(show.stdout).not.toContain(saved.refreshToken!);
    expect(stack.logs.join('')).not.toContain(saved.refreshToken!);
    expect(stack.logs.join('')).not.toContain('sandbox-secret');
  });

  it('(b) a refresh answered after 35 s: no refresh token is sent twice, no older pair overwrites a newer one', async () => {
    const id = loc(1);
    await installOAuth(1);
    stack.sandbox.admin.expireAccessToken(id);
    stack.sandbox.admin.setKnobs(id, { oauthRefreshDelayMs: 35_000 });
    const run = await stack.sync(id, { timeoutMs: 120_000 });
    expect(run).toMatchObject({ status: 'completed', inserted: 200 });
    const stats = stack.sandbox.admin.getStats(id);
    expect(stats.refreshCalls).toBe(1);
    expect(stats.refreshReused).toBe(0);
    expect(stats.refreshAnswersLost).toBe(1);
    expect(stats.reconnectCalls).toBe(1);
    const saved = (await getLocation(stack.database.db, id, stack.database.tokens))!;
    expect(saved.needsReconnect).toBe(false);
    expect(await eventKinds(id)).toEqual(['refresh_outcome_unknown', 'reconnected']);
    // The saved pair is the newest: its refresh token is live (a stale one would be refused).
    stack.sandbox.admin.resetKnobs(id);
    stack.sandbox.admin.expireAccessToken(id);
    expect(await stack.sync(id, { timeoutMs: 60_000 })).toMatchObject({ status: 'completed' });
    expect(stack.sandbox.admin.getStats(id)).toMatchObject({ refreshCalls: 2, refreshReused: 0, reconnectCalls: 1 });
  }, 180_000);

  it('a holder whose lock expired while it waited never overwrites the newer pair', async () => {
    const id = loc(3);
    const install = await installOAuth(3);
    const make = (timeoutMs: number) =>
      createOAuthTokenProvider({
        db: stack.database.db,
        tokens: stack.database.tokens,
        redis: stack.redis.redis,
        prefix: stack.redis.prefix,
        locationId: id,
        clientId: 'sandbox-client',
        clientSecret: 'sandbox-secret',
        baseUrl: stack.sandbox.url,
        lockTtlMs: 30_000,
        timeoutMs,
        logger: stack.logger,
      });
    stack.sandbox.admin.setKnobs(id, { oauthRefreshDelayMs: 1_500 });
    // A waits long enough to get its late answer.
    const slow = make(20_000).refresh!(install.accessToken);
    await waitFor('the first refresh to reach GHL', async () => stack.sandbox.admin.getStats(id).refreshCalls === 1);
    // A's lease is gone (as if Redis had been cut off for longer than its TTL): B takes over.
    await stack.redis.redis.del(`${stack.redis.prefix}:oauth-refresh:{${id}}`);
    const fast = await make(20_000).refresh!(install.accessToken);
    const late = await slow;

    const saved = (await getLocation(stack.database.db, id, stack.database.tokens))!;
    expect(saved.accessToken).toBe(fast);
    expect(late).toBe(fast);
    expect(await eventKinds(id)).toEqual(['refresh_outcome_unknown', 'reconnected', 'stale_pair_discarded']);
    expect(stack.sandbox.admin.getStats(id)).toMatchObject({ refreshCalls: 1, refreshReused: 0, reconnectCalls: 1 });
  });

  const provider = (
    id: string,
    opts: { timeoutMs?: number; clientSecret?: string; onEvent?: (k: string) => void } = {},
  ) =>
    createOAuthTokenProvider({
      db: stack.database.db,
      redis: stack.redis.redis,
      prefix: stack.redis.prefix,
      locationId: id,
      tokens: stack.database.tokens,
      clientId: 'sandbox-client',
      clientSecret: opts.clientSecret ?? 'sandbox-secret',
      baseUrl: stack.sandbox.url,
      lockTtlMs: 30_000,
      timeoutMs: opts.timeoutMs ?? 20_000,
      ...(opts.onEvent && { onEvent: opts.onEvent }),
      logger: stack.logger,
    });

  it('a refresh answered 2xx without expires_in: GHL used the token, so it is never sent again; one reconnect', async () => {
    const id = loc(4);
    const install = await installOAuth(4);
    stack.sandbox.admin.setKnobs(id, { oauthRefreshNoExpiresIn: 1 });
    stack.sandbox.admin.expireAccessToken(id);
    const run = await stack.sync(id, { timeoutMs: 60_000 });
    expect(run).toMatchObject({ status: 'completed', inserted: 100 });
    expect(stack.sandbox.admin.getStats(id)).toMatchObject({ refreshCalls: 1, refreshReused: 0, reconnectCalls: 1 });
    const saved = (await getLocation(stack.database.db, id, stack.database.tokens))!;
    expect(saved.needsReconnect).toBe(false);
    expect(saved.refreshToken).not.toBe(install.refreshToken);
    expect(await eventKinds(id)).toEqual(['refresh_outcome_unknown', 'reconnected']);
    expect((await listOAuthEvents(stack.database.db, id, { from: new Date(0), to: null }))[0]!.detail).toContain(
      'ghl_invalid_response',
    );
  });

  it('a wrong client secret marks no location and leaves its pair as it is: fixing the secret heals it', async () => {
    const id = loc(5);
    const install = await installOAuth(5);
    const counted: string[] = [];
    const wrong = provider(id, { clientSecret: 'not-the-secret', onEvent: (k) => counted.push(k) });
    const error = await wrong.refresh!(install.accessToken).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'oauth_client_invalid', retryable: false });
    expect(String((error as Error).message)).toContain('GHL_OAUTH_CLIENT_SECRET');
    expect(String((error as Error).message)).not.toContain('not-the-secret');
    expect(counted).toEqual(['client_invalid']);
    const kept = (await getLocation(stack.database.db, id, stack.database.tokens))!;
    expect(kept).toMatchObject({
      needsReconnect: false,
      accessToken: install.accessToken,
      refreshToken: install.refreshToken,
    });
    // GHL refused the client before it looked at the token: it is still good and may be sent.
    expect(kept.refreshSentGeneration).not.toBe(kept.tokenGeneration);
    expect(await eventKinds(id)).toEqual([]);
    expect(stack.sandbox.admin.getStats(id)).toMatchObject({ refreshCalls: 0, reconnectCalls: 0 });

    const healed = await provider(id).refresh!(install.accessToken);
    expect((await getLocation(stack.database.db, id, stack.database.tokens))!.accessToken).toBe(healed);
    expect(stack.sandbox.admin.getStats(id)).toMatchObject({ refreshCalls: 1, refreshReused: 0, reconnectCalls: 0 });
    expect(stack.logs.join('')).not.toContain('not-the-secret');
  });

  it('a wrong client secret during a recovery marks no location either', async () => {
    const id = loc(6);
    const install = await installOAuth(6);
    // A process sent the refresh and stopped before saving: the next holder must recover.
    const before = (await getLocation(stack.database.db, id, stack.database.tokens))!;
    expect(await markRefreshSent(stack.database.db, id, before.tokenGeneration)).toBe(true);
    const error = await provider(id, { clientSecret: 'not-the-secret' }).refresh!(install.accessToken).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'oauth_client_invalid' });
    expect((await getLocation(stack.database.db, id, stack.database.tokens))!).toMatchObject({
      needsReconnect: false,
      refreshToken: install.refreshToken,
    });
    await provider(id).refresh!(install.accessToken);
    expect(await eventKinds(id)).toEqual(['refresh_outcome_unknown', 'refresh_outcome_unknown', 'reconnected']);
    expect(stack.sandbox.admin.getStats(id)).toMatchObject({ refreshCalls: 0, refreshReused: 0, reconnectCalls: 1 });
  });

  it('a holder paused past its lease starts no recovery: the next holder does it, once', async () => {
    const id = loc(7);
    const install = await installOAuth(7);
    // The answer comes after the holder gave up: its outcome is unknown.
    stack.sandbox.admin.setKnobs(id, { oauthRefreshDelayMs: 30_000 });
    const paused = provider(id, { timeoutMs: 5_000 }).refresh!(install.accessToken);
    await waitFor('the refresh to reach GHL', async () => stack.sandbox.admin.getStats(id).refreshCalls === 1);
    // Its lease is gone while it waits (as if it had been paused longer than the TTL).
    await stack.redis.redis.del(`${stack.redis.prefix}:oauth-refresh:{${id}}`);
    const error = await paused.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'oauth_refresh_in_progress', retryable: true });
    expect(stack.sandbox.admin.getStats(id).reconnectCalls).toBe(0);
    expect(await eventKinds(id)).toEqual([]);

    const token = await provider(id).refresh!(install.accessToken);
    expect((await getLocation(stack.database.db, id, stack.database.tokens))!.accessToken).toBe(token);
    expect(await eventKinds(id)).toEqual(['refresh_outcome_unknown', 'reconnected']);
    expect(stack.sandbox.admin.getStats(id)).toMatchObject({ refreshCalls: 1, refreshReused: 0, reconnectCalls: 1 });
  });

  it('a recovery whose save is refused reports the discarded pair only, never a reconnect', async () => {
    const id = loc(8);
    const install = await installOAuth(8);
    const before = (await getLocation(stack.database.db, id, stack.database.tokens))!;
    expect(await markRefreshSent(stack.database.db, id, before.tokenGeneration)).toBe(true);
    stack.sandbox.admin.setKnobs(id, { oauthReconnectDelayMs: 5_000 });
    const recovering = provider(id).refresh!(install.accessToken);
    await waitFor('the reconnect to reach GHL', async () => stack.sandbox.admin.getStats(id).reconnectCalls === 1);
    // Another holder saves a newer pair while the reconnect's answer is on its way.
    const newer = stack.sandbox.admin.createOAuthInstall(id, { accessTokenTtlSec: 3_600 });
    expect(
      await saveLocationTokens(
        stack.database.db,
        id,
        {
          accessToken: newer.accessToken,
          refreshToken: newer.refreshToken,
          expiresAt: new Date(Date.now() + 3_600_000),
        },
        stack.database.tokens,
        before.tokenGeneration,
      ),
    ).toBe(true);
    expect(await recovering).toBe(newer.accessToken);
    expect((await getLocation(stack.database.db, id, stack.database.tokens))!.accessToken).toBe(newer.accessToken);
    expect(await eventKinds(id)).toEqual(['refresh_outcome_unknown', 'stale_pair_discarded']);
  });

  it('(c) the Reconnect API refuses: the location is marked with the reason and the scheduler skips it', async () => {
    const id = loc(2);
    await installOAuth(2);
    stack.sandbox.admin.setKnobs(id, { oauthRefreshDrop: 1, oauthReconnectRefused: true });
    stack.sandbox.admin.expireAccessToken(id);
    const run = await stack.sync(id, { timeoutMs: 60_000 });
    expect(run).toMatchObject({ status: 'failed', errorCode: 'oauth_refresh_failed' });
    const location = (await getLocation(stack.database.db, id, stack.database.tokens))!;
    expect(location.needsReconnect).toBe(true);
    expect(location.reconnectReason).toMatch(
      /no usable answer.*GHL refused the reconnect \(400\): Reconnect is not allowed/,
    );
    expect(await eventKinds(id)).toEqual(['refresh_outcome_unknown', 'reconnect_refused']);
    const stats = stack.sandbox.admin.getStats(id);
    expect(stats).toMatchObject({ refreshCalls: 1, refreshReused: 0, reconnectCalls: 1 });

    const job = await fireScheduleAndWait(stack, id);
    expect(job.returnvalue).toMatchObject({ runId: null, skipped: 'location_needs_reconnect' });
    expect(stack.sandbox.admin.getStats(id).requests).toBe(stats.requests);
    expect(await oauthEventMetric(workers, 'reconnect_refused')).toBe(1);
  });
});

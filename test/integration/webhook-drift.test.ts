import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '@ghl-sync/api';
import { setLocationWebhooks } from '@ghl-sync/db';
import { createMetrics } from '@ghl-sync/metrics';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { upstreamRecords } from '../support/upstream.js';
import { waitFor } from '../support/wait-for.js';

// Drift (docs/webhooks.md, "Reconciliation and drift") counts what the webhooks missed. The sandbox
// sends its changes as signed webhooks to a listening API; the API's debounce is set far beyond the
// test, so every record job waits delayed in Redis until the test promotes it. A full run in between
// writes the changes first, with their events received and still unapplied: exactly the burst of a
// fresh-user trial, where RECORD_BUDGET_SHARE held the record jobs back.

const ADMIN_TOKEN = 'adm-webhook-drift-test-token-5d1e-93ac';
const HELD_MS = 3_600_000;

describe('drift counts what webhooks missed, not what they are still bringing', () => {
  let stack: TestStack;
  let api: FastifyInstance;
  const loc = () => stack.sandbox.locations[0]!.id;

  beforeAll(async () => {
    stack = await startTestStack({
      sandbox: { seed: 23, locations: [{ opportunities: 400 }], webhookRsaModulusLength: 2048 },
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
        debounceMs: HELD_MS,
      },
    });
    await api.listen({ port: 0, host: '127.0.0.1' });
    const { port } = api.server.address() as AddressInfo;
    stack.sandbox.admin.setWebhookSettings({ url: `http://127.0.0.1:${port}/webhooks/ghl` });
    await setLocationWebhooks(stack.database.db, loc(), true);
    await stack.startWorkers(1);
  });
  afterAll(async () => {
    await api?.close();
    await stack?.stop();
  });

  /** Every held record job, run now; resolves once every stored event of the location is applied. */
  const releaseRecordJobs = async () => {
    for (const job of await stack.queues.record.getJobs(['delayed'])) await job.promote();
    await waitFor('every stored event applied', async () => {
      const { rows } = await stack.database.db.query<{ pending: number }>(
        `SELECT count(*)::int AS pending FROM ghl.webhook_events
         WHERE location_id = $1 AND outcome = 'accepted' AND applied_at IS NULL`,
        [loc()],
      );
      return rows[0]!.pending === 0;
    });
  };
  /**
   * Changes `updates` distinct opportunities, deletes `deletes` others and creates `creates` new
   * ones, one event each; waits until every event was sent (or dropped).
   */
  let cursor = 0;
  const burst = async (updates: number, deletes: number, creates = 0) => {
    const targets = (await upstreamRecords(stack.sandbox, loc())).slice(cursor, cursor + updates + deletes);
    cursor += updates + deletes;
    targets
      .slice(0, updates)
      .forEach((t, i) => stack.sandbox.admin.updateOpportunity(loc(), t.id, { name: `burst ${cursor}-${i}` }));
    for (const t of targets.slice(updates)) stack.sandbox.admin.deleteOpportunity(loc(), t.id);
    for (let i = 0; i < creates; i++) stack.sandbox.admin.createOpportunity(loc(), { name: `created ${cursor}-${i}` });
    await stack.sandbox.admin.webhooksIdle();
  };
  /** The highest stored event id so far: events after it are the next burst's. */
  const lastEventId = async () =>
    (await stack.database.db.query<{ id: number }>(`SELECT coalesce(max(id), 0)::int AS id FROM ghl.webhook_events`))
      .rows[0]!.id;
  /** Apply outcomes of the events stored after `afterId`, with their counts. */
  const applyOutcomesAfter = async (afterId: number) =>
    Object.fromEntries(
      (
        await stack.database.db.query<{ apply_outcome: string; n: number }>(
          `SELECT apply_outcome, count(*)::int AS n FROM ghl.webhook_events WHERE id > $1 GROUP BY apply_outcome`,
          [afterId],
        )
      ).rows.map((r) => [r.apply_outcome, r.n]),
    );

  it('the first run of a webhook location has no baseline: drift null, not the whole account', async () => {
    expect(await stack.sync(loc())).toMatchObject({ status: 'completed', inserted: 400, webhooks: true, drift: null });
  });

  it('with no loss, changes whose events wait to be applied are written by the run but are not drift', async () => {
    stack.sandbox.admin.resetWebhookStats();
    const before = await lastEventId();
    await burst(60, 5, 5);
    const stats = stack.sandbox.admin.getWebhookStats();
    expect(stats).toMatchObject({ delivered: 70, dropped: 0 });
    // Their record jobs are still held: the full run writes every change first.
    expect(await stack.queues.record.getJobCounts('delayed')).toMatchObject({ delayed: 70 });
    expect(await stack.sync(loc())).toMatchObject({
      status: 'completed',
      inserted: 5,
      updated: 60,
      deleted: 5,
      drift: 0,
    });

    await releaseRecordJobs();
    const compared = await stack.compare(loc());
    expect(compared.mismatches).toEqual([]);
    // The run had written every change: each re-read by id (GET answers carry no `sort`, search
    // answers do) finds its row unchanged, creates included.
    expect(await applyOutcomesAfter(before)).toEqual({ unchanged: 70 });
  });

  it('with loss, drift equals the events the sandbox dropped', async () => {
    stack.sandbox.admin.resetWebhookStats();
    stack.sandbox.admin.setWebhookSettings({ lossRate: 0.3 });
    await burst(60, 10);
    stack.sandbox.admin.setWebhookSettings({ lossRate: 0 });
    const { dropped, delivered } = stack.sandbox.admin.getWebhookStats();
    expect(dropped).toBeGreaterThan(0);
    expect(dropped + delivered).toBe(70);

    const run = await stack.sync(loc());
    // Only this burst's 60 rows are updated: those the previous test's re-reads wrote stay unchanged.
    expect(run).toMatchObject({ status: 'completed', updated: 60, deleted: 10, drift: dropped });

    await releaseRecordJobs();
    expect((await stack.compare(loc())).mismatches).toEqual([]);
    // Everything is in place now: the next full run finds nothing missed.
    expect(await stack.sync(loc())).toMatchObject({ status: 'completed', inserted: 0, deleted: 0, drift: 0 });
  });

  it('rows webhooks wrote are unchanged for the next full run when nothing changed upstream', async () => {
    const before = await lastEventId();
    await burst(30, 0, 3);
    await releaseRecordJobs();
    expect(await applyOutcomesAfter(before)).toEqual({ updated: 30, inserted: 3 });
    expect(await stack.sync(loc())).toMatchObject({
      status: 'completed',
      inserted: 0,
      updated: 0,
      deleted: 0,
      drift: 0,
    });
  });

  it('after webhooks were off and on again, the next run has no baseline: what changed meanwhile is not drift', async () => {
    await setLocationWebhooks(stack.database.db, loc(), false);
    // While they are off, nothing is sent for the location.
    stack.sandbox.admin.setWebhookSettings({ lossRate: 1 });
    await burst(4, 0);
    stack.sandbox.admin.setWebhookSettings({ lossRate: 0 });
    await setLocationWebhooks(stack.database.db, loc(), true);
    // Turning them on again while on keeps the baseline rule's start (no reset by a repeated call).
    await setLocationWebhooks(stack.database.db, loc(), true);
    expect(await stack.sync(loc())).toMatchObject({ status: 'completed', updated: 4, webhooks: true, drift: null });
    // That run is the new baseline.
    expect(await stack.sync(loc())).toMatchObject({ status: 'completed', updated: 0, drift: 0 });
  });
});

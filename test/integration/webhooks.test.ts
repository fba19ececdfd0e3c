import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '@ghl-sync/api';
import { createDb, getRun, setLocationWebhooks, storeWebhookEvent, type Db } from '@ghl-sync/db';
import { createMetrics, type SyncMetrics } from '@ghl-sync/metrics';
import { createQueues, createRedisConnection } from '@ghl-sync/queues';
import { signEd25519, signRsaSha256, type WebhookKeys } from '@ghl-sync/webhooks';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { upstreamRecords } from '../support/upstream.js';
import { waitFor } from '../support/wait-for.js';

const ADMIN_TOKEN = 'adm-webhooks-test-token-0c41-5e2b9d7a';
const pem = (kind: 'ed25519' | 'rsa') => {
  const pair = kind === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
  return {
    publicPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
};

describe('POST /webhooks/ghl: signed GHL webhooks applied to Postgres', () => {
  let stack: TestStack;
  let app: FastifyInstance;
  let metrics: SyncMetrics;
  const ed = pem('ed25519');
  const rsa = pem('rsa');
  const keys: WebhookKeys = { ed25519PublicKeyPem: ed.publicPem, rsaPublicKeyPem: rsa.publicPem, acceptLegacy: true };
  const loc = () => stack.sandbox.locations[0]!.id;
  const closers: Array<() => Promise<unknown>> = [];

  const buildApi = async (overrides: Partial<Parameters<typeof createApi>[0]> = {}) => {
    const built = await createApi({
      adminToken: ADMIN_TOKEN,
      logger: stack.logger,
      db: stack.database.db,
      queues: stack.queues,
      redis: { ping: async () => 'PONG' },
      metrics,
      webhooks: { keys, debounceMs: 50 },
      ...overrides,
    });
    closers.push(() => built.close());
    return built;
  };

  beforeAll(async () => {
    stack = await startTestStack({ sandbox: { seed: 11, locations: [{ opportunities: 300 }] } });
    await setLocationWebhooks(stack.database.db, loc(), true);
    metrics = createMetrics({ service: 'api', processMetrics: false });
    app = await buildApi();
    await stack.startWorkers(1);
    expect(await stack.sync(loc())).toMatchObject({ status: 'completed', inserted: 300, webhooks: true, drift: null });
  });
  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await stack?.stop();
  });

  /** A §6.1 payload for an opportunity as the sandbox holds it now, with a fresh envelope. */
  const eventFor = (type: string, id: string, extra: Record<string, unknown> = {}) => {
    const r = stack.sandbox.admin.getOpportunity(loc(), id) ?? {};
    return {
      type,
      locationId: loc(),
      id,
      assignedTo: r['assignedTo'] ?? null,
      contactId: r['contactId'] ?? null,
      monetaryValue: r['monetaryValue'] ?? null,
      name: r['name'] ?? null,
      pipelineId: r['pipelineId'] ?? null,
      pipelineStageId: r['pipelineStageId'] ?? null,
      source: r['source'] ?? null,
      status: r['status'] ?? null,
      dateAdded: r['createdAt'] ?? null,
      timestamp: new Date().toISOString(),
      webhookId: randomUUID(),
      ...extra,
    };
  };
  const deliver = (
    body: unknown,
    opts: { scheme?: 'ed25519' | 'rsa' | 'none'; raw?: Buffer; signedRaw?: Buffer; to?: FastifyInstance } = {},
  ) => {
    const raw = opts.raw ?? Buffer.from(JSON.stringify(body));
    const signed = opts.signedRaw ?? raw;
    const scheme = opts.scheme ?? 'ed25519';
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (scheme === 'ed25519') headers['x-ghl-signature'] = signEd25519(signed, ed.privatePem);
    if (scheme === 'rsa') headers['x-wh-signature'] = signRsaSha256(signed, rsa.privatePem);
    return (opts.to ?? app).inject({ method: 'POST', url: '/webhooks/ghl', payload: raw, headers });
  };
  const stored = async (webhookId: string) =>
    (
      await stack.database.db.query<{ outcome: string; apply_outcome: string | null; signature_scheme: string }>(
        `SELECT outcome, apply_outcome, signature_scheme FROM ghl.webhook_events WHERE webhook_id = $1`,
        [webhookId],
      )
    ).rows;
  const applied = (webhookId: string) =>
    waitFor(`event ${webhookId} applied`, async () => {
      const [row] = await stored(webhookId);
      return row?.apply_outcome ? row : null;
    });
  const row = async (id: string) =>
    (
      await stack.database.db.query<{ name: string; deleted_at: Date | null; custom_fields: unknown }>(
        `SELECT name, deleted_at, custom_fields FROM ghl.opportunities WHERE id = $1`,
        [id],
      )
    ).rows[0];
  const pendingRecordJobs = async () =>
    new Set((await stack.queues.record.getJobs(['waiting', 'delayed', 'prioritized', 'active'])).map((j) => j.id)).size;
  const counted = async (type: string, outcome: string) =>
    (await metrics.webhookEvents.get()).values.find((v) => v.labels.type === type && v.labels.outcome === outcome)
      ?.value ?? 0;

  it('applies an Ed25519-signed update by re-reading the opportunity (customFields included)', async () => {
    const target = (await upstreamRecords(stack.sandbox, loc()))[10]!;
    stack.sandbox.admin.updateOpportunity(loc(), target.id, { name: 'moved by webhook' });
    const event = eventFor('OpportunityUpdate', target.id);
    const res = await deliver(event);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'accepted' });
    expect(await applied(event.webhookId)).toEqual({
      outcome: 'accepted',
      apply_outcome: 'updated',
      signature_scheme: 'ed25519',
    });
    const written = await row(target.id);
    expect(written?.name).toBe('moved by webhook');
    expect(written?.custom_fields).toEqual(stack.sandbox.admin.getOpportunity(loc(), target.id)?.['customFields']);
    expect(await counted('OpportunityUpdate', 'accepted')).toBeGreaterThanOrEqual(1);
  });

  it('accepts the legacy RSA signature while allowed, and refuses it once legacy is off', async () => {
    const target = (await upstreamRecords(stack.sandbox, loc()))[11]!;
    stack.sandbox.admin.updateOpportunity(loc(), target.id, { name: 'legacy signed' });
    const event = eventFor('OpportunityStageUpdate', target.id);
    expect((await deliver(event, { scheme: 'rsa' })).json()).toEqual({ status: 'accepted' });
    expect(await applied(event.webhookId)).toMatchObject({ signature_scheme: 'rsa', apply_outcome: 'updated' });
    expect((await row(target.id))?.name).toBe('legacy signed');

    const strict = await buildApi({ webhooks: { keys: { ...keys, acceptLegacy: false }, debounceMs: 50 } });
    const refused = await deliver(eventFor('OpportunityStageUpdate', target.id), { scheme: 'rsa', to: strict });
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toMatchObject({ error: { code: 'webhook_legacy_signature_refused' } });
  });

  it('refuses a re-serialised body, a forged or missing signature (401), and stores nothing', async () => {
    const target = (await upstreamRecords(stack.sandbox, loc()))[12]!;
    const event = eventFor('OpportunityUpdate', target.id);
    const original = Buffer.from(JSON.stringify(event));
    // A proxy that parses and re-serialises (here with indentation) changes the bytes, not the meaning.
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(original.toString()), null, 2));
    const viaProxy = await deliver(event, { raw: reserialised, signedRaw: original });
    expect(viaProxy.statusCode).toBe(401);
    expect(viaProxy.json()).toMatchObject({ error: { code: 'webhook_signature_invalid' } });
    const forged = await deliver(event, { signedRaw: Buffer.from(JSON.stringify({ ...event, name: 'x' })) });
    expect(forged.statusCode).toBe(401);
    const unsigned = await deliver(event, { scheme: 'none' });
    expect(unsigned.statusCode).toBe(401);
    expect(unsigned.json()).toMatchObject({ error: { code: 'webhook_signature_missing' } });
    expect(await stored(event.webhookId)).toEqual([]);
    // The original bytes with their signature still pass.
    expect((await deliver(event, { raw: original })).json()).toEqual({ status: 'accepted' });
    expect(await counted('other', 'bad_signature')).toBeGreaterThanOrEqual(3);
  });

  it('answers a duplicate webhookId 200 duplicate and does nothing; refuses a stale replay', async () => {
    const target = (await upstreamRecords(stack.sandbox, loc()))[13]!;
    const event = eventFor('OpportunityStatusUpdate', target.id);
    expect((await deliver(event)).json()).toEqual({ status: 'accepted' });
    await applied(event.webhookId);
    // The job marks its events applied before it completes: wait for it to leave the queue, so
    // that a job counted below can only be one the duplicate enqueued.
    await waitFor('its record job finished', async () => (await pendingRecordJobs()) === 0);
    const requests = stack.sandbox.admin.getStats(loc()).requests;
    const again = await deliver(event);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ status: 'duplicate' });
    expect(await stored(event.webhookId)).toHaveLength(1);
    expect(await pendingRecordJobs()).toBe(0);
    expect(stack.sandbox.admin.getStats(loc()).requests).toBe(requests);

    const old = eventFor('OpportunityStatusUpdate', target.id, {
      timestamp: new Date(Date.now() - 2 * 3600_000).toISOString(),
    });
    const stale = await deliver(old);
    expect(stale.statusCode).toBe(401);
    expect(stale.json()).toMatchObject({ error: { code: 'webhook_stale' } });
    expect(await stored(old.webhookId)).toEqual([]);
    // Signed two hours ahead: as suspect as two hours old.
    const ahead = eventFor('OpportunityStatusUpdate', target.id, {
      timestamp: new Date(Date.now() + 2 * 3600_000).toISOString(),
    });
    const future = await deliver(ahead);
    expect(future.statusCode).toBe(401);
    expect(future.json()).toMatchObject({
      error: { code: 'webhook_stale', message: expect.stringContaining('future') },
    });
    expect(await stored(ahead.webhookId)).toEqual([]);
    // No timestamp at all: taken (GHL does not promise one), stored without an event time.
    const untimed: Record<string, unknown> = eventFor('OpportunityStatusUpdate', target.id);
    delete untimed['timestamp'];
    expect((await deliver(untimed)).json()).toEqual({ status: 'accepted' });
    const [row] = (
      await stack.database.db.query<{ event_at: Date | null }>(
        `SELECT event_at FROM ghl.webhook_events WHERE webhook_id = $1`,
        [untimed['webhookId']],
      )
    ).rows;
    expect(row).toEqual({ event_at: null });
    await applied(String(untimed['webhookId']));
  });

  it('answers 413 over the body limit and 400 for a signed body that is not an event', async () => {
    const small = await buildApi({ webhooks: { keys, debounceMs: 50, bodyLimitBytes: 1_024 } });
    const big = await deliver({ type: 'OpportunityUpdate', pad: 'x'.repeat(2_000) }, { to: small });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ error: { code: 'webhook_body_too_large' } });
    const notJson = await deliver(null, { raw: Buffer.from('type=OpportunityUpdate') });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json()).toMatchObject({ error: { code: 'webhook_invalid_body' } });
    const noType = await deliver({ webhookId: randomUUID(), locationId: loc() });
    expect(noType.statusCode).toBe(400);
  });

  it('stores events of unknown locations and of other types with 200, and applies neither', async () => {
    const unknown = { ...eventFor('OpportunityCreate', 'opp-elsewhere'), locationId: 'loc-not-registered' };
    expect((await deliver(unknown)).json()).toEqual({ status: 'ignored_unknown_location' });
    const contact = { type: 'ContactCreate', locationId: loc(), id: 'c-1', webhookId: randomUUID() };
    expect((await deliver(contact)).json()).toEqual({ status: 'ignored_type' });
    expect(await stored(unknown.webhookId)).toMatchObject([{ outcome: 'ignored_unknown_location' }]);
    expect(await stored(contact.webhookId)).toMatchObject([{ outcome: 'ignored_type', apply_outcome: null }]);
    expect(await row('opp-elsewhere')).toBeUndefined();
    expect(await counted('OpportunityCreate', 'unknown_location')).toBe(1);
    expect(await counted('other', 'ignored_type')).toBe(1);
  });

  it('creates at once, tombstones on delete, and an Update delivered after the Delete stays a tombstone', async () => {
    const created = stack.sandbox.admin.createOpportunity(loc(), { name: 'born in GHL' });
    const id = created['id'] as string;
    const create = eventFor('OpportunityCreate', id);
    const lateUpdate = eventFor('OpportunityUpdate', id);
    await deliver(create);
    expect(await applied(create.webhookId)).toMatchObject({ apply_outcome: 'inserted' });
    expect(await row(id)).toMatchObject({ name: 'born in GHL', deleted_at: null });

    const del = eventFor('OpportunityDelete', id);
    stack.sandbox.admin.deleteOpportunity(loc(), id);
    await deliver(del);
    expect(await applied(del.webhookId)).toMatchObject({ apply_outcome: 'tombstoned' });
    expect((await row(id))?.deleted_at).not.toBeNull();

    // GHL delivered the Update (sent before the delete) last: the re-read finds nothing.
    await deliver(lateUpdate);
    expect(await applied(lateUpdate.webhookId)).toMatchObject({ apply_outcome: 'not_found' });
    expect((await row(id))?.deleted_at).not.toBeNull();
  });

  it('coalesces a burst for one opportunity into one re-read', async () => {
    const target = (await upstreamRecords(stack.sandbox, loc()))[20]!;
    await stack.queues.record.pause();
    const events = [];
    for (let i = 0; i < 5; i++) {
      stack.sandbox.admin.updateOpportunity(loc(), target.id, { name: `burst ${i}` });
      const event = eventFor('OpportunityMonetaryValueUpdate', target.id);
      events.push(event);
      expect((await deliver(event)).json()).toEqual({ status: 'accepted' });
    }
    expect(await pendingRecordJobs()).toBe(1);
    const requests = stack.sandbox.admin.getStats(loc()).requests;
    await stack.queues.record.resume();
    for (const e of events) expect(await applied(e.webhookId)).toMatchObject({ apply_outcome: 'updated' });
    expect(stack.sandbox.admin.getStats(loc()).requests - requests).toBe(1);
    expect((await row(target.id))?.name).toBe('burst 4');
  });

  it('applies the last event of a burst although the burst’s job ran while that event was being stored', async () => {
    // The window of a burst's tail: the delivery is in the intake (signature checked, the row not
    // yet committed) while the coalesced job of the events before it starts and finishes. Its row
    // is held here until then; the event must still get a job of its own.
    const target = (await upstreamRecords(stack.sandbox, loc()))[22]!;
    const db = stack.database.db;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let held = 0;
    const holding: Db = {
      ...db,
      query: (text, params) => {
        if (!text.includes('INSERT INTO ghl.webhook_events')) return db.query(text, params);
        held += 1;
        return released.then(() => db.query(text, params));
      },
    } as Db;
    const slowStore = await buildApi({ db: holding });

    await stack.queues.record.pause();
    stack.sandbox.admin.updateOpportunity(loc(), target.id, { name: 'burst head' });
    const head = eventFor('OpportunityUpdate', target.id);
    expect((await deliver(head)).json()).toEqual({ status: 'accepted' });
    const [burstJob] = await stack.queues.record.getJobs(['waiting', 'delayed', 'prioritized']);
    expect(burstJob).toBeDefined();

    const tail = eventFor('OpportunityUpdate', target.id);
    const answer = deliver(tail, { to: slowStore });
    await waitFor('the tail delivery inside the intake', async () => held > 0);
    await stack.queues.record.resume();
    await waitFor('the burst job finished', async () => (await burstJob!.getState()) === 'completed');
    expect(await applied(head.webhookId)).toMatchObject({ apply_outcome: 'updated' });
    // Only a re-read made after the burst job can see this (GHL's change precedes its delivery;
    // here it follows the job, so that the tail's own re-read is what the row shows).
    stack.sandbox.admin.updateOpportunity(loc(), target.id, { name: 'burst tail' });

    release();
    expect((await answer).json()).toEqual({ status: 'accepted' });
    expect(await applied(tail.webhookId)).toMatchObject({ apply_outcome: 'updated' });
    expect((await row(target.id))?.name).toBe('burst tail');
  });

  it('answers 429 when Redis or Postgres cannot take the event, and GHL’s retry then succeeds', async () => {
    const target = (await upstreamRecords(stack.sandbox, loc()))[21]!;
    stack.sandbox.admin.updateOpportunity(loc(), target.id, { name: 'after the outage' });
    const event = eventFor('OpportunityUpdate', target.id);

    // Nothing listens on port 1: the enqueue fails.
    const deadRedis = createRedisConnection('redis://127.0.0.1:1', 'producer', { lazyConnect: true });
    deadRedis.on('error', () => undefined);
    const deadQueues = createQueues({ connection: deadRedis, prefix: stack.redis.prefix });
    closers.push(async () => {
      await deadQueues.close();
      deadRedis.disconnect();
    });
    const noRedis = await buildApi({ queues: deadQueues, webhooks: { keys, debounceMs: 50, takeTimeoutMs: 3_000 } });
    const refused = await deliver(event, { to: noRedis });
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ error: { code: 'webhook_unavailable' } });
    expect(refused.headers['retry-after']).toBe('60');
    // The event was stored before the enqueue, which fails after the answer: it is removed again.
    await waitFor('the refused event removed', async () => (await stored(event.webhookId)).length === 0);

    const deadDb = createDb({ connectionString: 'postgres://postgres@127.0.0.1:1/none', max: 1 });
    closers.push(() => deadDb.close());
    const noPostgres = await buildApi({ db: deadDb, webhooks: { keys, debounceMs: 50, takeTimeoutMs: 3_000 } });
    expect((await deliver(event, { to: noPostgres })).statusCode).toBe(429);

    // GHL retries a 429 with the same webhookId: taken once, applied once.
    const retried = await deliver(event);
    expect(retried.json()).toEqual({ status: 'accepted' });
    expect(await applied(event.webhookId)).toMatchObject({ apply_outcome: 'updated' });
    expect((await row(target.id))?.name).toBe('after the outage');
    expect(await counted('OpportunityUpdate', 'unavailable')).toBe(2);

    // Stored, but its job never enqueued and the row not removed (Postgres went too): GHL's retry
    // is a duplicate of an unapplied event, and enqueues the job the first delivery could not.
    const target2 = (await upstreamRecords(stack.sandbox, loc()))[23]!;
    stack.sandbox.admin.updateOpportunity(loc(), target2.id, { name: 'stored without its job' });
    const orphan = eventFor('OpportunityUpdate', target2.id);
    await storeWebhookEvent(stack.database.db, {
      webhookId: orphan.webhookId,
      type: orphan.type,
      locationId: loc(),
      opportunityId: target2.id,
      eventAt: new Date(orphan.timestamp),
      signatureScheme: 'ed25519',
      applicable: true,
      payload: orphan,
    });
    expect((await deliver(orphan)).json()).toEqual({ status: 'duplicate' });
    expect(await applied(orphan.webhookId)).toMatchObject({ apply_outcome: 'updated' });
    expect((await row(target2.id))?.name).toBe('stored without its job');
  });

  it('an opportunity created by webhook while pass 1 lists is live after the run; drift counts only what was missed', async () => {
    // The search index lags: pass 1 cannot list the new opportunity, the webhook's GET finds it.
    stack.sandbox.admin.setKnobs(loc(), { indexLagMs: 600_000, latencyMs: { medianMs: 40, jitterMs: 0 } });
    const created = stack.sandbox.admin.createOpportunity(loc(), { name: 'created mid-listing' });
    const id = created['id'] as string;
    const started = await stack.startRun(loc());
    await waitFor('pass 1 under way', async () => (await getRun(stack.database.db, started.id))?.status === 'listing');
    const event = eventFor('OpportunityCreate', id);
    expect((await deliver(event)).json()).toEqual({ status: 'accepted' });
    expect(await applied(event.webhookId)).toMatchObject({ apply_outcome: 'inserted' });
    const run = await stack.wait(started.id);
    stack.sandbox.admin.resetKnobs(loc());
    expect(run).toMatchObject({ status: 'completed', deleted: 0, webhooks: true });
    expect(await row(id)).toMatchObject({ name: 'created mid-listing', deleted_at: null });

    // Every change so far arrived by webhook: the next full run finds nothing missed.
    expect(await stack.sync(loc())).toMatchObject({ status: 'completed', inserted: 0, deleted: 0, drift: 0 });
    // Two changes GHL never delivered: the full run repairs them and its drift says so.
    const [a, b] = (await upstreamRecords(stack.sandbox, loc())).slice(30, 32);
    stack.sandbox.admin.updateOpportunity(loc(), a!.id, { name: 'missed update' });
    stack.sandbox.admin.deleteOpportunity(loc(), b!.id);
    expect(await stack.sync(loc())).toMatchObject({ status: 'completed', updated: 1, deleted: 1, drift: 2 });
  });
});

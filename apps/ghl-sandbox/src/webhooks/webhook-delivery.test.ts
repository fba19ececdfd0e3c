import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { opportunityWebhookEventSchema, verifyWebhookSignature, type WebhookKeys } from '@ghl-sync/webhooks';
import { defaultWebhookSettings, GHL_WEBHOOK_MAX_RETRIES, startSandbox, type Sandbox } from '../index.js';
import { adminCall } from '../test-support/ghl-fetch.js';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../test-support/webhook-receiver.js';

describe('sandbox webhooks', () => {
  let sandbox: Sandbox;
  let receiver: WebhookReceiver;
  let keys: WebhookKeys;
  let locationId: string;
  let otherLocationId: string;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    sandbox = await startSandbox({
      seed: 11,
      locations: 2,
      opportunitiesPerLocation: 200,
      rateLimitMax: 0,
      webhookRsaModulusLength: 2048,
    });
    locationId = sandbox.locations[0]!.id;
    otherLocationId = sandbox.locations[1]!.id;
    const published = await adminCall(sandbox, 'GET', '/webhook-keys');
    expect(published.status).toBe(200);
    keys = { ...published.body, acceptLegacy: true };
  });
  afterAll(async () => {
    await sandbox.close();
    await receiver.close();
  });
  beforeEach(() => {
    sandbox.admin.resetWebhookSettings();
    sandbox.admin.resetWebhookStats();
    sandbox.admin.setWebhookSettings({ url: receiver.url, locationIds: [locationId], timeScale: 0.0001 });
    receiver.received.length = 0;
    receiver.answer = () => 200;
  });

  const types = (hits: ReceivedWebhook[]) => hits.map((h) => h.body['type']);

  it('sends every admin change as a signed Opportunity* event that verifies under both schemes', async () => {
    const created = await adminCall(sandbox, 'POST', `/locations/${locationId}/opportunities`, { name: 'Hook deal' });
    const id = created.body.id as string;
    const stage = (sandbox.admin.getOpportunity(locationId, id)!['pipelineStageId'] as string) + '-moved';
    await adminCall(sandbox, 'PATCH', `/locations/${locationId}/opportunities/${id}`, { pipelineStageId: stage });
    await adminCall(sandbox, 'DELETE', `/locations/${locationId}/opportunities/${id}`);
    await sandbox.admin.webhooksIdle();

    expect(types(receiver.received)).toEqual(['OpportunityCreate', 'OpportunityStageUpdate', 'OpportunityDelete']);
    for (const hit of receiver.received) {
      expect(hit.headers['content-type']).toBe('application/json');
      expect(verifyWebhookSignature(hit.raw, hit.headers, keys)).toEqual({ ok: true, scheme: 'ed25519' });
      const { 'x-ghl-signature': _ed, ...legacyOnly } = hit.headers;
      expect(verifyWebhookSignature(hit.raw, legacyOnly, keys)).toEqual({ ok: true, scheme: 'rsa' });
      const event = opportunityWebhookEventSchema.parse(hit.body);
      expect(event).toMatchObject({ locationId, id, name: 'Hook deal', dateAdded: created.body.createdAt });
      expect(new Date(event.timestamp!).toISOString()).toBe(event.timestamp);
    }
    expect(receiver.received[1]!.body['pipelineStageId']).toBe(stage);
    // The Delete carries the record's last state (ghl-api.md §6.1).
    expect(receiver.received[2]!.body['pipelineStageId']).toBe(stage);
    expect(new Set(receiver.received.map((h) => h.body['webhookId'])).size).toBe(3);
    expect(sandbox.admin.getWebhookStats()).toMatchObject({ emitted: 3, sent: 3, delivered: 3, failed: 0, pending: 0 });
  });

  it('names an update after what it changed, one event per kind of change', async () => {
    const [id] = sandbox.admin.mutate(locationId, { create: 1 }).created as [string];
    await sandbox.admin.webhooksIdle();
    receiver.received.length = 0;
    const record = sandbox.admin.getOpportunity(locationId, id)!;
    sandbox.admin.updateOpportunity(locationId, id, { status: record['status'] === 'won' ? 'lost' : 'won' });
    sandbox.admin.updateOpportunity(locationId, id, { monetaryValue: 12.5 });
    sandbox.admin.updateOpportunity(locationId, id, { assignedTo: 'user-hook' });
    sandbox.admin.updateOpportunity(locationId, id, { name: 'Renamed' });
    sandbox.admin.updateOpportunity(locationId, id, { name: 'Renamed again', status: 'abandoned' });
    await sandbox.admin.webhooksIdle();
    // Delivery runs concurrently, so compare as multisets.
    expect(types(receiver.received).sort()).toEqual(
      [
        'OpportunityStatusUpdate',
        'OpportunityMonetaryValueUpdate',
        'OpportunityAssignedToUpdate',
        'OpportunityUpdate',
        'OpportunityUpdate',
        'OpportunityStatusUpdate',
      ].sort(),
    );
    const value = receiver.received.find((h) => h.body['type'] === 'OpportunityMonetaryValueUpdate')!;
    expect(value.body).toMatchObject({ id, monetaryValue: 12.5 });
  });

  it("sends the mutate endpoint's changes, only for subscribed locations", async () => {
    const result = sandbox.admin.mutate(locationId, { create: 3, update: 4, delete: 2 });
    sandbox.admin.mutate(otherLocationId, { create: 2, update: 2 });
    await sandbox.admin.webhooksIdle();
    // mutate changes one kind of field per update, so one event each.
    expect(receiver.received).toHaveLength(9);
    const byId = (t: string) =>
      receiver.received
        .filter((h) => h.body['type'] === t)
        .map((h) => h.body['id'])
        .sort();
    expect(byId('OpportunityCreate')).toEqual([...result.created].sort());
    expect(byId('OpportunityDelete')).toEqual([...result.deleted].sort());
    expect(receiver.received.every((h) => h.body['locationId'] === locationId)).toBe(true);
  });

  it('retries a 429 up to 6 times with the same body and signature, then succeeds', async () => {
    receiver.answer = (_hit, n) => (n < 3 ? 429 : 200);
    sandbox.admin.createOpportunity(locationId, { name: 'Retried' });
    await sandbox.admin.webhooksIdle();
    expect(receiver.received).toHaveLength(4);
    const first = receiver.received[0]!;
    for (const hit of receiver.received) {
      expect(hit.raw.equals(first.raw)).toBe(true);
      expect(hit.headers['x-ghl-signature']).toBe(first.headers['x-ghl-signature']);
    }
    expect(sandbox.admin.getWebhookStats()).toMatchObject({ sent: 4, retried: 3, delivered: 1, failed: 0 });
  });

  it('gives up after the 6th retry of a 429, and at once on any other failure', async () => {
    receiver.answer = () => 429;
    sandbox.admin.createOpportunity(locationId, { name: 'Always 429' });
    await sandbox.admin.webhooksIdle();
    expect(receiver.received).toHaveLength(1 + GHL_WEBHOOK_MAX_RETRIES);
    expect(sandbox.admin.getWebhookStats()).toMatchObject({ retried: 6, failed: 1, delivered: 0 });

    for (const status of [500, 503, 404, 301]) {
      sandbox.admin.resetWebhookStats();
      receiver.received.length = 0;
      receiver.answer = () => status;
      sandbox.admin.createOpportunity(locationId, {});
      await sandbox.admin.webhooksIdle();
      expect(receiver.received).toHaveLength(1);
      expect(sandbox.admin.getWebhookStats()).toMatchObject({
        sent: 1,
        retried: 0,
        failed: 1,
        byStatus: { [status]: 1 },
      });
    }
  });

  it('gives up on a receiver that does not answer within timeoutMs', async () => {
    sandbox.admin.setWebhookSettings({ timeoutMs: 200 });
    receiver.answer = () => 'hang';
    sandbox.admin.createOpportunity(locationId, {});
    await sandbox.admin.webhooksIdle();
    expect(receiver.received).toHaveLength(1);
    expect(sandbox.admin.getWebhookStats()).toMatchObject({ sent: 1, failed: 1, retried: 0, byStatus: { timeout: 1 } });
  });

  it('drops the lossRate share of events, and only those', async () => {
    sandbox.admin.setWebhookSettings({ lossRate: 1 });
    sandbox.admin.mutate(locationId, { create: 5 });
    await sandbox.admin.webhooksIdle();
    expect(receiver.received).toHaveLength(0);
    expect(sandbox.admin.getWebhookStats()).toMatchObject({ emitted: 5, dropped: 5, sent: 0 });

    sandbox.admin.resetWebhookStats();
    sandbox.admin.setWebhookSettings({ lossRate: 0.3 });
    sandbox.admin.mutate(locationId, { create: 200 });
    await sandbox.admin.webhooksIdle();
    const stats = sandbox.admin.getWebhookStats();
    expect(stats.dropped).toBeGreaterThan(0);
    expect(stats.dropped).toBeLessThan(200);
    expect(receiver.received).toHaveLength(200 - stats.dropped);
    expect(stats).toMatchObject({ emitted: 200, delivered: 200 - stats.dropped });
  });

  it('sends the duplicateRate share twice, with the same webhookId and bytes', async () => {
    sandbox.admin.setWebhookSettings({ duplicateRate: 1 });
    sandbox.admin.mutate(locationId, { create: 3 });
    await sandbox.admin.webhooksIdle();
    expect(receiver.received).toHaveLength(6);
    const byId = new Map<unknown, ReceivedWebhook[]>();
    for (const hit of receiver.received)
      byId.set(hit.body['webhookId'], [...(byId.get(hit.body['webhookId']) ?? []), hit]);
    expect([...byId.values()].map((hits) => hits.length)).toEqual([2, 2, 2]);
    for (const [a, b] of byId.values()) expect(a!.raw.equals(b!.raw)).toBe(true);
    expect(sandbox.admin.getWebhookStats()).toMatchObject({ emitted: 3, duplicated: 3, sent: 6, delivered: 6 });
  });

  it('lets a later event overtake one held back by outOfOrderRate', async () => {
    sandbox.admin.setWebhookSettings({ outOfOrderRate: 1, outOfOrderHoldMs: 3_000 });
    const held = sandbox.admin.createOpportunity(locationId, { name: 'held' });
    sandbox.admin.setWebhookSettings({ outOfOrderRate: 0 });
    const later = sandbox.admin.createOpportunity(locationId, { name: 'later' });
    await sandbox.admin.webhooksIdle();
    expect(receiver.received.map((h) => h.body['id'])).toEqual([later['id'], held['id']]);
  });

  it('signs with Ed25519 only when the legacy signature is off', async () => {
    sandbox.admin.setWebhookSettings({ legacySignature: false });
    sandbox.admin.createOpportunity(locationId, {});
    await sandbox.admin.webhooksIdle();
    expect(receiver.received[0]!.headers['x-wh-signature']).toBeUndefined();
    expect(verifyWebhookSignature(receiver.received[0]!.raw, receiver.received[0]!.headers, keys).ok).toBe(true);
  });

  it('sends nothing while no URL is set', async () => {
    sandbox.admin.resetWebhookSettings();
    sandbox.admin.createOpportunity(locationId, {});
    await sandbox.admin.webhooksIdle();
    expect(receiver.received).toHaveLength(0);
    expect(sandbox.admin.getWebhookStats().emitted).toBe(0);
  });

  it('takes settings over HTTP, refuses bad ones, and reports stats', async () => {
    const set = await adminCall(sandbox, 'PATCH', '/webhooks', { lossRate: 0.5, delayMs: 5 });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({
      ...defaultWebhookSettings(),
      url: receiver.url,
      locationIds: [locationId],
      timeScale: 0.0001,
      lossRate: 0.5,
      delayMs: 5,
    });
    for (const bad of [{ lossRate: 2 }, { url: 'ftp://x' }, { timeScale: 0 }, { maxConcurrent: 0 }, { nope: 1 }]) {
      expect((await adminCall(sandbox, 'PATCH', '/webhooks', bad)).status).toBe(400);
    }
    expect((await adminCall(sandbox, 'PATCH', '/webhooks', { lossRate: 0 })).status).toBe(200);
    await adminCall(sandbox, 'POST', `/locations/${locationId}/opportunities`, {});
    const idle = await adminCall(sandbox, 'POST', '/webhooks/idle');
    expect(idle.body).toMatchObject({ emitted: 1, delivered: 1, pending: 0 });
    expect((await adminCall(sandbox, 'GET', '/webhooks/stats')).body).toEqual(idle.body);
    expect((await adminCall(sandbox, 'GET', '/webhook-keys', undefined, 'wrong')).status).toBe(401);
  });
});

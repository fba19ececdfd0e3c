import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../index.js';
import { adminCall, ghlGet, searchPath, walkAll } from '../test-support/ghl-fetch.js';

describe('admin surface', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({
      seed: 7,
      locations: 2,
      opportunitiesPerLocation: 300,
      rateLimitMax: 0,
      adminToken: 'secret-admin',
    });
  });
  afterAll(() => sandbox.close());

  it('requires the admin bearer token', async () => {
    const res = await adminCall(sandbox, 'GET', '/locations', undefined, 'wrong');
    expect(res.status).toBe(401);
    const ok = await adminCall(sandbox, 'GET', '/locations');
    expect(ok.status).toBe(200);
    expect(ok.body.locations).toEqual(
      sandbox.locations.map((l) => ({ ...l, opportunities: 300, companyId: sandbox.companyId })),
    );
  });

  it('creates a location with generated opportunities', async () => {
    const res = await adminCall(sandbox, 'POST', '/locations', {
      opportunities: 12,
      name: 'Extra 🚀',
      id: 'extraLocation0000001',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id: 'extraLocation0000001', name: 'Extra 🚀', opportunities: 12 });
    const page = await ghlGet(sandbox, searchPath({ location_id: res.body.id, limit: 100 }), res.body.token);
    expect(page.body.opportunities).toHaveLength(12);
    expect(
      (await adminCall(sandbox, 'POST', '/locations', { opportunities: 1, id: 'extraLocation0000001' })).status,
    ).toBe(409);
  });

  it('makes create, update and delete visible in search (HTTP)', async () => {
    const { id, token } = sandbox.locations[0]!;
    const created = await adminCall(sandbox, 'POST', `/locations/${id}/opportunities`, {
      name: 'Brand new deal',
      status: 'won',
    });
    expect(created.status).toBe(201);
    const first = await ghlGet(sandbox, searchPath({ location_id: id, limit: 1 }), token);
    expect(first.body.opportunities[0]).toMatchObject({
      id: created.body.id,
      name: 'Brand new deal',
      status: 'won',
      locationId: id,
    });
    expect(first.body.meta.total).toBe(301);

    const target = (await ghlGet(sandbox, searchPath({ location_id: id, limit: 10 }), token)).body.opportunities[5];
    const before = Date.now();
    const patched = await adminCall(sandbox, 'PATCH', `/locations/${id}/opportunities/${target.id}`, {
      monetaryValue: 1234.5,
      id: 'ignored',
    });
    expect(patched.status).toBe(200);
    expect(patched.body.id).toBe(target.id);
    expect(patched.body.monetaryValue).toBe(1234.5);
    expect(Date.parse(patched.body.updatedAt)).toBeGreaterThanOrEqual(before - 5);
    const again = (await ghlGet(sandbox, searchPath({ location_id: id, limit: 10 }), token)).body.opportunities[5];
    expect(again).toMatchObject({
      id: target.id,
      monetaryValue: 1234.5,
      createdAt: target.createdAt,
      updatedAt: patched.body.updatedAt,
    });

    expect((await adminCall(sandbox, 'DELETE', `/locations/${id}/opportunities/${target.id}`)).status).toBe(204);
    expect((await adminCall(sandbox, 'DELETE', `/locations/${id}/opportunities/${target.id}`)).status).toBe(404);
    const after = await ghlGet(sandbox, searchPath({ location_id: id, limit: 10 }), token);
    expect(after.body.opportunities.map((o: any) => o.id)).not.toContain(target.id);
    expect(after.body.meta.total).toBe(300);
    expect((await adminCall(sandbox, 'GET', `/locations/${id}/opportunities/${target.id}`)).status).toBe(404);
    expect((await adminCall(sandbox, 'GET', `/locations/${id}/opportunities/${created.body.id}`)).body.name).toBe(
      'Brand new deal',
    );
  });

  it('mutates deterministically and reports the affected ids', async () => {
    const { id, token } = sandbox.locations[1]!;
    const res = await adminCall(sandbox, 'POST', `/locations/${id}/mutate`, {
      create: 25,
      update: 40,
      delete: 12,
      seed: 5,
    });
    expect(res.status).toBe(200);
    const { created, updated, deleted } = res.body as { created: string[]; updated: string[]; deleted: string[] };
    expect([created.length, updated.length, deleted.length]).toEqual([25, 40, 12]);
    expect(new Set([...created, ...updated, ...deleted]).size).toBe(77);
    const { records } = await walkAll(sandbox, id, token, { limit: 100 });
    const ids = new Set(records.map((r) => r.id));
    expect(records).toHaveLength(300 + 25 - 12);
    for (const c of created) expect(ids.has(c)).toBe(true);
    for (const d of deleted) expect(ids.has(d)).toBe(false);
    expect(
      records
        .slice(0, 25)
        .map((r) => r.id)
        .sort(),
    ).toEqual([...created].sort());
    for (const u of updated)
      expect(Date.now() - Date.parse(records.find((r) => r.id === u).updatedAt)).toBeLessThan(10_000);

    // Same seed on an identical location picks the same records.
    const twin = await startSandbox({ seed: 7, locations: 2, opportunitiesPerLocation: 300 });
    try {
      const again = twin.admin.mutate(twin.locations[1]!.id, { create: 25, update: 40, delete: 12, seed: 5 });
      expect(again.updated).toEqual(updated);
      expect(again.deleted).toEqual(deleted);
      expect(again.created).toEqual(created);
    } finally {
      await twin.close();
    }
  });

  it('exports the truth as NDJSON in search order', async () => {
    const { id, token } = sandbox.locations[1]!;
    const res = await adminCall(sandbox, 'GET', `/locations/${id}/opportunities`);
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = res.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const { records } = await walkAll(sandbox, id, token, { limit: 100 });
    expect(lines).toEqual(records);
    const inProcess = [];
    for await (const record of sandbox.admin.exportOpportunities(id)) inProcess.push(record);
    expect(inProcess).toEqual(records);
  });

  it('gets, merges and resets knobs; validates them', async () => {
    const { id } = sandbox.locations[0]!;
    const set = await adminCall(sandbox, 'PATCH', `/locations/${id}/knobs`, { totalMode: 'inflated', indexLagMs: 10 });
    expect(set.body).toMatchObject({ totalMode: 'inflated', indexLagMs: 10, failureRate: 0 });
    const merged = await adminCall(sandbox, 'PATCH', `/locations/${id}/knobs`, { failureRate: 0.5 });
    expect(merged.body).toMatchObject({ totalMode: 'inflated', failureRate: 0.5 });
    expect((await adminCall(sandbox, 'PATCH', `/locations/${id}/knobs`, { nope: 1 })).status).toBe(400);
    expect((await adminCall(sandbox, 'PATCH', `/locations/${id}/knobs`, { failureRate: 2 })).status).toBe(400);
    const reset = await adminCall(sandbox, 'DELETE', `/locations/${id}/knobs`);
    expect(reset.body).toMatchObject({ totalMode: 'exact', failureRate: 0, indexLagMs: 0 });
    expect((await adminCall(sandbox, 'GET', `/locations/${id}/knobs`)).body.totalMode).toBe('exact');
  });

  it('reports and resets stats', async () => {
    const { id, token } = sandbox.locations[0]!;
    await adminCall(sandbox, 'DELETE', `/locations/${id}/stats`);
    await ghlGet(sandbox, searchPath({ location_id: id }), token);
    await ghlGet(sandbox, searchPath({ location_id: id, bad: 1 }), token);
    await ghlGet(sandbox, '/opportunities/no-such-id', token);
    const stats = await adminCall(sandbox, 'GET', `/locations/${id}/stats`);
    expect(stats.body).toEqual({
      requests: 3,
      accepted: 3,
      rejected429: 0,
      maxInAnyWindow: 3,
      getOpportunityCalls: 1,
      maxGetOpportunityInFlight: 1,
      refreshCalls: 0,
      refreshReused: 0,
      refreshAnswersLost: 0,
      reconnectCalls: 0,
      codeExchanges: 0,
      locationTokenMints: 0,
      byStatus: { '200': 1, '400': 1, '422': 1 },
    });
    expect((await adminCall(sandbox, 'GET', '/locations/nope/stats')).status).toBe(404);
  });
});

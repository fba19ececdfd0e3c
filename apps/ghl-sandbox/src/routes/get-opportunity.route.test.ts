import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../index.js';
import { ghlGet } from '../test-support/ghl-fetch.js';

describe('GET /opportunities/{id}', () => {
  let sandbox: Sandbox;
  let loc: { id: string; token: string };
  let other: { id: string; token: string };

  beforeAll(async () => {
    sandbox = await startSandbox({ locations: 2, opportunitiesPerLocation: 30, rateLimitMax: 0, seed: 5 });
    loc = sandbox.locations[0]!;
    other = sandbox.locations[1]!;
  });
  afterAll(() => sandbox.close());

  const firstIds = async (locationId: string, n: number): Promise<string[]> => {
    const ids: string[] = [];
    for await (const r of sandbox.admin.exportOpportunities(locationId)) {
      ids.push(r['id'] as string);
      if (ids.length === n) break;
    }
    return ids;
  };

  it('answers { opportunity } with the record as search has it, minus sort', async () => {
    const [id] = await firstIds(loc.id, 1);
    const res = await ghlGet(sandbox, `/opportunities/${id}`, loc.token);
    expect(res.status).toBe(200);
    expect(typeof res.body.traceId).toBe('string');
    const { sort: _sort, ...expected } = (
      await sandbox.admin.exportOpportunities(loc.id)[Symbol.asyncIterator]().next()
    ).value as Record<string, unknown>;
    expect(res.body.opportunity).toEqual(expected);
    expect(res.body.opportunity).not.toHaveProperty('sort');
    expect(res.headers.get('x-ratelimit-remaining')).not.toBeNull();
  });

  it('reads the truth, not the lagging index', async () => {
    sandbox.admin.setKnobs(loc.id, { indexLagMs: 3_600_000 });
    try {
      const created = sandbox.admin.createOpportunity(loc.id, { name: 'fresh' });
      const res = await ghlGet(sandbox, `/opportunities/${String(created['id'])}`, loc.token);
      expect(res.status).toBe(200);
      expect(res.body.opportunity.name).toBe('fresh');
      const updated = sandbox.admin.updateOpportunity(loc.id, created['id'] as string, { status: 'won' });
      const again = await ghlGet(sandbox, `/opportunities/${String(created['id'])}`, loc.token);
      expect(again.body.opportunity.status).toBe('won');
      expect(again.body.opportunity.updatedAt).toBe(updated['updatedAt']);
    } finally {
      sandbox.admin.resetKnobs(loc.id);
    }
  });

  it('answers a deleted id with 400 BadRequestDTO, or 404 NotFoundDTO under the notFoundStatus knob', async () => {
    const [, id] = await firstIds(loc.id, 2);
    sandbox.admin.deleteOpportunity(loc.id, id!);
    const res = await ghlGet(sandbox, `/opportunities/${id}`, loc.token);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, message: 'Opportunity not found' });
    sandbox.admin.setKnobs(loc.id, { notFoundStatus: 404 });
    const res404 = await ghlGet(sandbox, `/opportunities/${id}`, loc.token);
    sandbox.admin.resetKnobs(loc.id);
    expect(res404.status).toBe(404);
    expect(res404.body).toMatchObject({ statusCode: 404, message: 'Opportunity not found' });
    const unknown = await ghlGet(sandbox, '/opportunities/doesNotExist000000000', loc.token);
    expect(unknown.status).toBe(400);
  });

  it("answers 403 for another location's id and 401 without a token", async () => {
    const [id] = await firstIds(other.id, 1);
    const res = await ghlGet(sandbox, `/opportunities/${id}`, loc.token);
    expect(res.status).toBe(403);
    expect(res.body.message).toBe('The token does not have access to this location.');
    expect((await ghlGet(sandbox, `/opportunities/${id}`, undefined)).status).toBe(401);
  });

  it('leaves /opportunities/search and /opportunities/pipelines to their own routes', async () => {
    const res = await ghlGet(sandbox, `/opportunities/pipelines?locationId=${loc.id}`, loc.token);
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body.pipelines)).toBe(true);
  });
});

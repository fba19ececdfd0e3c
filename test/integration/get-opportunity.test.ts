import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGhlClient, type GhlClient } from '@ghl-sync/ghl-client';
import { startSandbox, type Sandbox } from '@ghl-sync/ghl-sandbox';

// The client's GET by id against the sandbox: the contract both sides of the webhook apply path rely on.
describe('GET /opportunities/{id}: client and sandbox', () => {
  let sandbox: Sandbox;
  let client: GhlClient;
  let loc: string;
  beforeAll(async () => {
    sandbox = await startSandbox({ seed: 41, locations: 1, opportunitiesPerLocation: 20 });
    loc = sandbox.locations[0]!.id;
    client = createGhlClient({
      baseUrl: sandbox.url,
      locationId: loc,
      auth: { getAccessToken: async () => sandbox.locations[0]!.token },
    });
  });
  afterAll(() => sandbox.close());

  it('finds a live record with its current updatedAt, and no issues', async () => {
    const created = sandbox.admin.createOpportunity(loc, { name: 'Fresh deal' });
    const updated = sandbox.admin.updateOpportunity(loc, created['id'] as string, { monetaryValue: 42 });
    const result = await client.getOpportunity(created['id'] as string);
    expect(result.found).toBe(true);
    if (!result.found) return;
    expect(result.opportunity).toMatchObject({ id: created['id'], name: 'Fresh deal', monetaryValue: 42 });
    expect(result.opportunity.updatedAt).toBe(updated['updatedAt']);
    expect(result.attempts).toBe(1);
  });

  it('resolves found:false for a deleted id under both not-found styles', async () => {
    const created = sandbox.admin.createOpportunity(loc, {});
    sandbox.admin.deleteOpportunity(loc, created['id'] as string);
    expect(await client.getOpportunity(created['id'] as string)).toEqual({ found: false, status: 400, attempts: 1 });
    sandbox.admin.setKnobs(loc, { notFoundStatus: 404 });
    expect(await client.getOpportunity(created['id'] as string)).toEqual({ found: false, status: 404, attempts: 1 });
    sandbox.admin.resetKnobs(loc);
  });
});

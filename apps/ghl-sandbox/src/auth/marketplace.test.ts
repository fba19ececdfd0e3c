import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../index.js';
import { adminCall, ghlGet, searchPath } from '../test-support/ghl-fetch.js';

const CLIENT = { client_id: 'sandbox-client', client_secret: 'sandbox-secret' };

async function tokenCall(sandbox: Sandbox, fields: Record<string, string>) {
  const response = await fetch(`${sandbox.url}/oauth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...CLIENT, ...fields }).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function post(
  sandbox: Sandbox,
  path: string,
  body: Record<string, string>,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${sandbox.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe('marketplace OAuth', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ rateLimitMax: 0, locations: 2, opportunitiesPerLocation: 5 });
  });
  afterAll(() => sandbox.close());

  it('processes a dropped refresh (the old token is spent) and counts a resend', async () => {
    const { id } = sandbox.locations[0]!;
    const install = sandbox.admin.createOAuthInstall(id);
    sandbox.admin.setKnobs(id, { oauthRefreshDrop: 1 });
    await expect(
      tokenCall(sandbox, { grant_type: 'refresh_token', refresh_token: install.refreshToken }),
    ).rejects.toThrow();
    const again = await tokenCall(sandbox, { grant_type: 'refresh_token', refresh_token: install.refreshToken });
    expect(again).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(sandbox.admin.getStats(id)).toMatchObject({ refreshCalls: 2, refreshAnswersLost: 1, refreshReused: 1 });
    expect(sandbox.admin.getKnobs(id).oauthRefreshDrop).toBe(0);
  });

  it('answers a delayed refresh late, or loses it when the client has gone', async () => {
    const { id } = sandbox.locations[1]!;
    const install = sandbox.admin.createOAuthInstall(id);
    sandbox.admin.setKnobs(id, { oauthRefreshDelayMs: 300 });
    const ok = await tokenCall(sandbox, { grant_type: 'refresh_token', refresh_token: install.refreshToken });
    expect(ok.status).toBe(200);
    sandbox.admin.setKnobs(id, { oauthRefreshDelayMs: 5_000 });
    const gone = fetch(`${sandbox.url}/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...CLIENT, grant_type: 'refresh_token', refresh_token: ok.body['refresh_token'] }),
      signal: AbortSignal.timeout(200),
    });
    await expect(gone).rejects.toThrow();
    for (let i = 0; i < 100 && sandbox.admin.getStats(id).refreshAnswersLost === 0; i += 1)
      await new Promise((r) => setTimeout(r, 20));
    expect(sandbox.admin.getStats(id)).toMatchObject({ refreshCalls: 2, refreshAnswersLost: 1 });
    sandbox.admin.resetKnobs(id);
  });

  it('processes a refresh but answers it without expires_in: the old token is spent, the new pair issued', async () => {
    const { id } = sandbox.locations[1]!;
    const install = sandbox.admin.createOAuthInstall(id);
    sandbox.admin.setKnobs(id, { oauthRefreshNoExpiresIn: 1 });
    const odd = await tokenCall(sandbox, { grant_type: 'refresh_token', refresh_token: install.refreshToken });
    expect(odd.status).toBe(200);
    expect(odd.body).not.toHaveProperty('expires_in');
    expect(typeof odd.body['refresh_token']).toBe('string');
    const again = await tokenCall(sandbox, { grant_type: 'refresh_token', refresh_token: install.refreshToken });
    expect(again).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const next = await tokenCall(sandbox, { grant_type: 'refresh_token', refresh_token: odd.body['refresh_token'] });
    expect(next).toMatchObject({ status: 200, body: { expires_in: 86_399 } });
    expect(sandbox.admin.getKnobs(id).oauthRefreshNoExpiresIn).toBe(0);
    sandbox.admin.resetKnobs(id);
  });

  it('answers a delayed reconnect late, and issues no code to a client that has gone', async () => {
    const { id } = sandbox.locations[1]!;
    sandbox.admin.setKnobs(id, { oauthReconnectDelayMs: 5_000 });
    const gone = fetch(`${sandbox.url}/oauth/reconnect`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ clientKey: 'sandbox-client', clientSecret: 'sandbox-secret', locationId: id }),
      signal: AbortSignal.timeout(200),
    });
    await expect(gone).rejects.toThrow();
    sandbox.admin.setKnobs(id, { oauthReconnectDelayMs: 200 });
    const late = await post(sandbox, '/oauth/reconnect', {
      clientKey: 'sandbox-client',
      clientSecret: 'sandbox-secret',
      locationId: id,
    });
    expect(late.status).toBe(200);
    expect(typeof late.body['authorizationCode']).toBe('string');
    sandbox.admin.resetKnobs(id);
  });

  it('reconnects a location: Reconnect API code → authorization_code grant → a working pair', async () => {
    const { id } = sandbox.locations[0]!;
    sandbox.admin.resetKnobs(id);
    const wrong = await post(sandbox, '/oauth/reconnect', {
      clientKey: 'sandbox-client',
      clientSecret: 'x',
      locationId: id,
    });
    expect(wrong.status).toBe(401);
    const reconnect = await post(sandbox, '/oauth/reconnect', {
      clientKey: 'sandbox-client',
      clientSecret: 'sandbox-secret',
      locationId: id,
    });
    expect(reconnect.status).toBe(200);
    expect(typeof reconnect.body['authorizationCode']).toBe('string');
    expect(Date.parse(reconnect.body['expiresAt'])).toBeGreaterThan(Date.now());
    const code = reconnect.body['authorizationCode'] as string;
    const pair = await tokenCall(sandbox, { grant_type: 'authorization_code', code, user_type: 'Location' });
    expect(pair).toMatchObject({ status: 200, body: { userType: 'Location', locationId: id, token_type: 'Bearer' } });
    expect((await ghlGet(sandbox, searchPath({ location_id: id }), pair.body['access_token'])).status).toBe(200);
    expect((await tokenCall(sandbox, { grant_type: 'authorization_code', code })).status).toBe(400);
    sandbox.admin.setKnobs(id, { oauthReconnectRefused: true });
    const refused = await post(sandbox, '/oauth/reconnect', {
      clientKey: 'sandbox-client',
      clientSecret: 'sandbox-secret',
      locationId: id,
    });
    expect(refused).toMatchObject({ status: 400, body: { statusCode: 400 } });
    expect(sandbox.admin.getStats(id)).toMatchObject({ reconnectCalls: 2, codeExchanges: 1 });
    sandbox.admin.resetKnobs(id);
  });

  it('installs on N locations of an agency at once; the Company token lists them and mints location tokens', async () => {
    const companyId = sandbox.companyId;
    const created = (
      await adminCall(sandbox, 'POST', `/companies/${companyId}/install`, { locations: 3, opportunities: 4 })
    ).body.locations as Array<{ id: string }>;
    expect(created).toHaveLength(3);
    const { code } = sandbox.admin.authorize({ userType: 'Company', locationIds: created.map((l) => l.id) });
    const company = await tokenCall(sandbox, { grant_type: 'authorization_code', code, user_type: 'Company' });
    expect(company.body).toMatchObject({
      userType: 'Company',
      companyId,
      approvedLocations: created.map((l) => l.id),
      isBulkInstallation: true,
    });
    const agencyToken = company.body['access_token'] as string;
    expect(company.body['refresh_token']).toEqual(expect.any(String));
    // An agency token is refused on location endpoints (ghl-api.md §3).
    const onSearch = await ghlGet(sandbox, searchPath({ location_id: created[0]!.id }), agencyToken);
    expect(onSearch.body.message).toBe('This authClass type is not allowed to access this scope.');

    const listed = await ghlGet(
      sandbox,
      `/oauth/installedLocations?companyId=${companyId}&appId=${sandbox.appId}&isInstalled=true`,
      agencyToken,
    );
    expect(listed.status).toBe(200);
    expect(listed.body.locations.map((l: { _id: string }) => l._id)).toEqual(
      expect.arrayContaining(created.map((l) => l.id)),
    );
    expect(listed.body.locations.every((l: { isInstalled: boolean }) => l.isInstalled)).toBe(true);

    sandbox.admin.setKnobs(created[0]!.id, { locationTokenTtlSec: 2 });
    const mint = await fetch(`${sandbox.url}/oauth/locationToken`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${agencyToken}`,
        Version: '2021-07-28',
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ companyId, locationId: created[0]!.id }),
    });
    expect(mint.status).toBe(201);
    const minted = (await mint.json()) as Record<string, any>;
    expect(minted).toMatchObject({ expires_in: 2, locationId: created[0]!.id, token_type: 'Bearer' });
    expect(minted['refresh_token']).toBeUndefined();
    const page = await ghlGet(sandbox, searchPath({ location_id: created[0]!.id }), minted['access_token']);
    expect(page.body.opportunities).toHaveLength(4);

    expect(sandbox.admin.uninstallApp(created[1]!.id)).toBe(true);
    const refusedMint = await fetch(`${sandbox.url}/oauth/locationToken`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${agencyToken}`,
        Version: '2021-07-28',
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ companyId, locationId: created[1]!.id }),
    });
    expect(refusedMint.status).toBe(400);
    expect(sandbox.admin.installedLocations(companyId)).not.toContain(created[1]!.id);
  });

  it('chooselocation: the page approves and redirects back with the code and the state', async () => {
    const redirect = 'http://127.0.0.1:9/oauth/callback';
    const page = await fetch(
      `${sandbox.url}/oauth/chooselocation?response_type=code&client_id=sandbox-client&redirect_uri=${encodeURIComponent(redirect)}&scope=opportunities.readonly&state=s1`,
    );
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('approve-agency');
    const { id } = sandbox.locations[1]!;
    const approve = await fetch(`${sandbox.url}/oauth/chooselocation`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: 'sandbox-client',
        redirect_uri: redirect,
        state: 's1',
        target: `location:${id}`,
      }),
    });
    expect(approve.status).toBe(302);
    const location = new URL(approve.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(redirect);
    expect(location.searchParams.get('state')).toBe('s1');
    const pair = await tokenCall(sandbox, {
      grant_type: 'authorization_code',
      code: location.searchParams.get('code')!,
      user_type: 'Location',
      redirect_uri: redirect,
    });
    expect(pair).toMatchObject({ status: 200, body: { userType: 'Location', locationId: id } });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../index.js';
import { adminCall, ghlGet, searchPath } from '../test-support/ghl-fetch.js';

async function refresh(sandbox: Sandbox, refreshToken: string, secret = 'sandbox-secret') {
  const response = await fetch(`${sandbox.url}/oauth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      client_id: 'sandbox-client',
      client_secret: secret,
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      user_type: 'Location',
    }).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe('OAuth', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ rateLimitMax: 0 });
  });
  afterAll(() => sandbox.close());

  it('accepts install tokens, rotates single-use refresh tokens and keeps old access tokens alive', async () => {
    const { id } = sandbox.locations[0]!;
    const install = (await adminCall(sandbox, 'POST', `/locations/${id}/oauth/install`, { accessTokenTtlSec: 3600 }))
      .body;
    expect(install.expiresIn).toBe(3600);
    expect((await ghlGet(sandbox, searchPath({ location_id: id, limit: 1 }), install.accessToken)).status).toBe(200);

    const first = await refresh(sandbox, install.refreshToken);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 3600,
      userType: 'Location',
      locationId: id,
      scope: 'opportunities.readonly opportunities.write locations.readonly oauth.readonly oauth.write',
    });
    expect(first.body['refresh_token']).not.toBe(install.refreshToken);
    expect(typeof first.body['userId']).toBe('string');
    expect(typeof first.body['traceId']).toBe('string');

    const reuse = await refresh(sandbox, install.refreshToken);
    expect(reuse.status).toBe(400);
    expect(reuse.body).toMatchObject({
      error: 'invalid_grant',
      error_description: 'Invalid grant: refresh token is invalid',
    });

    expect((await ghlGet(sandbox, searchPath({ location_id: id, limit: 1 }), install.accessToken)).status).toBe(200);
    expect((await ghlGet(sandbox, searchPath({ location_id: id, limit: 1 }), first.body['access_token'])).status).toBe(
      200,
    );
    expect((await refresh(sandbox, first.body['refresh_token'])).status).toBe(200);
    expect(sandbox.admin.getStats(id).refreshCalls).toBe(3);
  });

  it('answers 401 Invalid JWT for an expired access token', async () => {
    const { id } = sandbox.locations[0]!;
    const install = sandbox.admin.createOAuthInstall(id);
    expect(install.expiresIn).toBe(86_399);
    expect(sandbox.admin.expireAccessToken(id)).toBeGreaterThanOrEqual(1);
    const res = await ghlGet(sandbox, searchPath({ location_id: id }), install.accessToken);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ statusCode: 401, message: 'Invalid JWT' });
    const renewed = await refresh(sandbox, install.refreshToken);
    expect((await ghlGet(sandbox, searchPath({ location_id: id }), renewed.body['access_token'])).status).toBe(200);
  });

  it('expires access tokens after their TTL', async () => {
    const { id } = sandbox.locations[0]!;
    const install = sandbox.admin.createOAuthInstall(id, { accessTokenTtlSec: 0.2 });
    expect((await ghlGet(sandbox, searchPath({ location_id: id }), install.accessToken)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await ghlGet(sandbox, searchPath({ location_id: id }), install.accessToken)).body.message).toBe(
      'Invalid JWT',
    );
  });

  it('rejects wrong client credentials and inactive locations', async () => {
    const { id } = sandbox.locations[0]!;
    const install = sandbox.admin.createOAuthInstall(id);
    const bad = await refresh(sandbox, install.refreshToken, 'wrong');
    expect(bad.status).toBe(401);
    expect(bad.body['error']).toBe('invalid_client');
    sandbox.admin.setKnobs(id, { oauthLocationInactive: true });
    const inactive = await refresh(sandbox, install.refreshToken);
    expect(inactive.status).toBe(401);
    expect(inactive.body).toMatchObject({ error: 'invalid_grant', error_description: 'Location is not active' });
    sandbox.admin.resetKnobs(id);
    expect((await refresh(sandbox, install.refreshToken)).status).toBe(200); // not consumed while inactive
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWebhookEventSchema, verifyWebhookSignature, type WebhookKeys } from '@ghl-sync/webhooks';
import { startSandbox, type Sandbox } from '../index.js';
import { startWebhookReceiver, type WebhookReceiver } from '../test-support/webhook-receiver.js';

describe("sandbox: the app's INSTALL / UNINSTALL webhooks", () => {
  let sandbox: Sandbox;
  let receiver: WebhookReceiver;
  let keys: WebhookKeys;
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    sandbox = await startSandbox({
      seed: 12,
      locations: 3,
      opportunitiesPerLocation: 5,
      webhookRsaModulusLength: 2048,
    });
    keys = { ...(await sandbox.admin.webhookKeys()), acceptLegacy: true };
    sandbox.admin.setWebhookSettings({ url: receiver.url });
  });
  afterAll(async () => {
    await sandbox.close();
    await receiver.close();
  });

  it('sends one signed INSTALL per location an approval adds, none for one already installed, and an UNINSTALL per removal', async () => {
    const [first, second] = sandbox.locations.map((l) => l.id);
    sandbox.admin.authorize({ userType: 'Location', locationId: first! });
    sandbox.admin.authorize({ userType: 'Company' }); // all three: two are new
    const [added] = sandbox.admin.installApp(sandbox.companyId, { locations: 1 });
    expect(sandbox.admin.uninstallApp(second!)).toBe(true);
    expect(sandbox.admin.uninstallApp(second!)).toBe(false);
    await sandbox.admin.webhooksIdle();

    const events = receiver.received.map((hit) => {
      expect(verifyWebhookSignature(hit.raw, hit.headers, keys)).toEqual({ ok: true, scheme: 'ed25519' });
      return appWebhookEventSchema.parse(hit.body);
    });
    const installed = sandbox.locations.map((l) => l.id).concat(added!.id);
    // Deliveries may overtake each other: compared as sets.
    const installs = events.filter((e) => e.type === 'INSTALL');
    const uninstalls = events.filter((e) => e.type === 'UNINSTALL');
    expect(installs.map((e) => e.locationId).sort()).toEqual([...installed].sort());
    expect(uninstalls.map((e) => e.locationId)).toEqual([second]);
    for (const e of installs)
      expect(e).toMatchObject({ appId: sandbox.appId, installType: 'Location', companyId: sandbox.companyId });
    expect(uninstalls[0]).toEqual(expect.not.objectContaining({ companyId: expect.anything() }));
    expect(sandbox.admin.installedLocations(sandbox.companyId).sort()).toEqual(
      installed.filter((id) => id !== second).sort(),
    );
  });
});

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getLocationSummary, storeWebhookEvent } from '@ghl-sync/db';
import { CLI_BIN, startTestStack, type TestStack } from '../support/test-stack.js';
import { upstreamRecords } from '../support/upstream.js';
import { waitFor } from '../support/wait-for.js';

// The operator surface of webhooks: locations add|update --webhooks, webhooks replay, drift in runs.
describe('ghl-sync webhooks from the CLI', () => {
  let stack: TestStack;
  // Asynchronous: the sandbox answering the workers runs in this process.
  const cli = (...args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI_BIN, ...args], { env: { ...process.env, ...stack.env } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += String(d)));
      child.stderr.on('data', (d) => (stderr += String(d)));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  const loc = () => stack.sandbox.locations[0]!;
  beforeAll(async () => {
    stack = await startTestStack({
      sandbox: { seed: 5, locations: [{ opportunities: 120 }] },
      registerLocations: false,
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('registers a location with webhooks on the slower schedule; update switches both, keeping a chosen schedule', async () => {
    const add = await cli('locations', 'add', loc().id, '--token', loc().token, '--no-check', '--webhooks');
    expect(add.status).toBe(0);
    expect(add.stdout).toContain('schedule: 0 */6 * * * UTC; webhooks: on');
    expect(await getLocationSummary(stack.database.db, loc().id)).toMatchObject({
      webhooks: true,
      scheduleCron: '0 */6 * * *',
    });

    const off = await cli('locations', 'update', loc().id, '--no-webhooks');
    expect(off.stdout).toContain('schedule */30 * * * * UTC; webhooks: off');
    const on = await cli('locations', 'update', loc().id, '--webhooks');
    expect(on.stdout).toContain('schedule 0 */6 * * * UTC; webhooks: on');
    await cli('locations', 'update', loc().id, '--schedule', '15 3 * * *');
    const custom = await cli('locations', 'update', loc().id, '--no-webhooks');
    expect(custom.stdout).toContain('schedule 15 3 * * * UTC; webhooks: off');
    await cli('locations', 'update', loc().id, '--webhooks', '--no-schedule');
    expect(await getLocationSummary(stack.database.db, loc().id)).toMatchObject({ webhooks: true, scheduleCron: null });
    expect((await cli('locations', 'list')).stdout).toMatch(new RegExp(`${loc().id}\\tpit\\tno schedule\\twebhooks`));
  });

  it('shows the drift of a reconciliation run in runs show and runs list', async () => {
    await stack.startWorkers(1);
    const first = await stack.sync(loc().id);
    // The first run has no baseline: it fills the table, it does not repair it.
    expect(first).toMatchObject({ status: 'completed', inserted: 120, webhooks: true, drift: null });
    expect((await cli('runs', 'show', String(first.id))).stdout).toContain(
      'reconciliation (webhooks on): drift not counted (no baseline: no earlier run completed since webhooks were turned on)',
    );
    const target = (await upstreamRecords(stack.sandbox, loc().id))[3]!;
    stack.sandbox.admin.updateOpportunity(loc().id, target.id, { name: 'changed, never delivered' });
    const second = await stack.sync(loc().id);
    expect(second).toMatchObject({ status: 'completed', updated: 1, drift: 1 });
    const show = await cli('runs', 'show', String(second.id));
    expect(show.stdout).toContain('reconciliation (webhooks on): drift 1 rows webhooks had missed');
    expect((await cli('runs', 'show', String(second.id), '--json')).stdout).toContain('"drift": 1');
    expect((await cli('runs', 'list', '--location', loc().id)).stdout).toContain('drift 1');
  });

  it('webhooks replay re-applies the stored events of a location, one re-read per opportunity', async () => {
    const [a, b] = (await upstreamRecords(stack.sandbox, loc().id)).slice(5, 7);
    stack.sandbox.admin.updateOpportunity(loc().id, a!.id, { name: 'replayed' });
    const store = (id: string, type: string) =>
      storeWebhookEvent(stack.database.db, {
        webhookId: randomUUID(),
        type,
        locationId: loc().id,
        opportunityId: id,
        eventAt: new Date(),
        signatureScheme: 'ed25519',
        applicable: true,
        payload: { type, locationId: loc().id, id },
      });
    // Stored while the workers could not apply them (their jobs lost): two events for a, one for b.
    await store(a!.id, 'OpportunityStageUpdate');
    await store(a!.id, 'OpportunityUpdate');
    stack.sandbox.admin.deleteOpportunity(loc().id, b!.id);
    await store(b!.id, 'OpportunityDelete');

    const bad = await cli('webhooks', 'replay', loc().id, '--since', 'yesterday');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('error [invalid_argument]: --since must be');
    const replay = await cli('webhooks', 'replay', loc().id, '--since', '1h');
    expect(replay.status).toBe(0);
    expect(replay.stdout).toContain(`location ${loc().id}: 2 opportunities queued for re-apply`);

    const applied = await waitFor('replayed events applied', async () => {
      const { rows } = await stack.database.db.query<{ opportunity_id: string; apply_outcome: string }>(
        `SELECT opportunity_id, apply_outcome FROM ghl.webhook_events WHERE location_id = $1 ORDER BY id`,
        [loc().id],
      );
      return rows.every((r) => r.apply_outcome) ? rows : null;
    });
    expect(applied.map((r) => [r.opportunity_id, r.apply_outcome])).toEqual([
      [a!.id, 'updated'],
      [a!.id, 'updated'],
      [b!.id, 'tombstoned'],
    ]);
    const { rows } = await stack.database.db.query<{ id: string; name: string; deleted_at: Date | null }>(
      `SELECT id, name, deleted_at FROM ghl.opportunities WHERE id = ANY($1) ORDER BY id`,
      [[a!.id, b!.id]],
    );
    expect(rows.find((r) => r.id === a!.id)).toMatchObject({ name: 'replayed', deleted_at: null });
    expect(rows.find((r) => r.id === b!.id)?.deleted_at).not.toBeNull();
  });
});

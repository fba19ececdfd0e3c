import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getLocationSummary,
  markLocationNeedsReconnect,
  transitionRun,
  updateLocationSchedule,
  upsertLocation,
} from '@ghl-sync/db';
import { QUEUES } from '@ghl-sync/queues';
import { BEARER, LOCATION_ID, createApiFixture, type ApiFixture } from './support/api-fixture.js';

let fx: ApiFixture;
beforeAll(async () => {
  fx = await createApiFixture();
});
afterAll(async () => {
  await fx?.close();
});

interface LocationRow {
  id: string;
  needsReconnect: boolean;
  nextRunAt: string | null;
  lastRun: { id: number; status: string } | null;
  [key: string]: unknown;
}

describe('GET /api/locations', () => {
  it('lists each location with its last run, next scheduled time and needsReconnect, never its token', async () => {
    await upsertLocation(
      fx.db,
      {
        id: 'loc-scheduled',
        accessToken: 'pit-scheduled-secret',
        scheduleCron: '*/30 * * * *',
      },
      fx.tokens,
    );
    await markLocationNeedsReconnect(fx.db, 'loc-scheduled', 'refresh refused');
    // The worker keeps schedulers; here one is written the way it would be, to be read back.
    await fx.queues.coordinator.upsertJobScheduler(
      QUEUES.coordinator.schedulerId('loc-scheduled') as never,
      { pattern: '*/30 * * * *' },
      {
        name: QUEUES.coordinator.jobNames.scheduled,
        data: { locationId: 'loc-scheduled', trigger: 'schedule', mode: 'full', allowMassDelete: false },
      },
    );
    const started = (
      await fx.app.inject({
        method: 'POST',
        url: '/api/syncs',
        headers: BEARER,
        payload: { locationId: LOCATION_ID, mode: 'full' },
      })
    ).json<{ runId: number }>();
    await transitionRun(fx.db, started.runId, 'completed');

    const res = await fx.app.inject({ method: 'GET', url: '/api/locations', headers: BEARER });
    expect(res.statusCode).toBe(200);
    const { locations } = res.json<{ locations: LocationRow[] }>();
    expect(locations.map((l) => l.id)).toEqual([LOCATION_ID, 'loc-scheduled']);

    const plain = locations[0]!;
    expect(plain).toMatchObject({
      needsReconnect: false,
      nextRunAt: null,
      lastRun: { id: started.runId, status: 'completed', mode: 'full', trigger: 'api' },
    });

    const scheduled = locations[1]!;
    expect(scheduled).toMatchObject({
      needsReconnect: true,
      reconnectReason: 'refresh refused',
      lastRun: null,
      scheduleCron: '*/30 * * * *',
    });
    const next = Date.parse(scheduled.nextRunAt ?? '');
    expect(next).toBeGreaterThan(Date.now() - 1_000);
    expect(next).toBeLessThanOrEqual(Date.now() + 30 * 60_000);

    expect(res.body).not.toContain('pit-scheduled-secret');
    expect(res.body).not.toContain('accessToken');
  });
});

describe('PATCH /api/locations/:id', () => {
  const patch = (id: string, payload: unknown, headers: Record<string, string> = BEARER) =>
    fx.app.inject({ method: 'PATCH', url: `/api/locations/${id}`, headers, payload: payload as object });
  const scheduler = () => fx.queues.coordinator.getJobScheduler(QUEUES.coordinator.schedulerId('loc-hooks'));

  it('turns webhooks on and off like locations update, the default schedule following, and never shows the token', async () => {
    await upsertLocation(
      fx.db,
      { id: 'loc-hooks', accessToken: 'pit-hooks-secret', scheduleCron: '*/30 * * * *' },
      fx.tokens,
    );

    const on = await patch('loc-hooks', { webhooks: true });
    expect(on.statusCode).toBe(200);
    expect(on.json()).toMatchObject({ location: { id: 'loc-hooks', webhooks: true, scheduleCron: '0 */6 * * *' } });
    expect(on.body).not.toContain('pit-hooks-secret');
    expect((await getLocationSummary(fx.db, 'loc-hooks'))?.webhooks).toBe(true);
    expect((await scheduler())?.pattern).toBe('0 */6 * * *');

    const off = await patch('loc-hooks', { webhooks: false });
    expect(off.json()).toMatchObject({ location: { webhooks: false, scheduleCron: '*/30 * * * *' } });
    expect((await scheduler())?.pattern).toBe('*/30 * * * *');

    // A schedule someone chose stays whatever the switch.
    await updateLocationSchedule(fx.db, 'loc-hooks', '15 3 * * *', 'UTC');
    expect((await patch('loc-hooks', { webhooks: true })).json()).toMatchObject({
      location: { webhooks: true, scheduleCron: '15 3 * * *' },
    });
  });

  it('refuses an unknown location (404), a bad body or id (400) and a missing credential (401)', async () => {
    const missing = await patch('loc-not-there', { webhooks: true });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'location_not_found' } });

    const misspelt = await patch(LOCATION_ID, { webhook: true });
    expect(misspelt.statusCode).toBe(400);
    const problems = misspelt.json<{ error: { details: { problems: { path: string }[] } } }>().error.details.problems;
    expect(problems.map((p) => p.path).sort()).toEqual(['body', 'body.webhooks']);
    expect((await patch(LOCATION_ID, { webhooks: 'yes' })).statusCode).toBe(400);
    expect((await patch('bad%20id!', { webhooks: true })).statusCode).toBe(400);

    expect((await patch(LOCATION_ID, { webhooks: true }, {})).statusCode).toBe(401);
    expect((await getLocationSummary(fx.db, LOCATION_ID))?.webhooks).toBe(false);
  });
});

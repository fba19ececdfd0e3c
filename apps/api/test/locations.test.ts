import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markLocationNeedsReconnect, transitionRun, upsertLocation } from '@ghl-sync/db';
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

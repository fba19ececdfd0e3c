import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getLocationSummary, upsertLocation } from '@ghl-sync/db';
import { createQueues, createRedisConnection, type Queues } from '@ghl-sync/queues';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '@ghl-sync/testing';
import { updateLocationSettings } from '../src/locations/index.js';

let t: TestDatabase;
let r: TestRedis;
let queues: Queues;

beforeAll(async () => {
  t = await createTestDatabase();
  r = await createTestRedis();
  queues = createQueues({ connection: createRedisConnection(r.url, 'producer'), prefix: r.prefix });
});
afterAll(async () => {
  await queues?.close();
  await t?.drop();
  await r?.cleanup();
});

describe('updateLocationSettings', () => {
  const deps = () => ({ db: t.db, queues, webhookScheduleCron: '0 */6 * * *' });

  it('refuses a time zone that is not an IANA zone even without a schedule, and stores nothing', async () => {
    await upsertLocation(t.db, { id: 'loc-tz', accessToken: 'pit-x', scheduleCron: null }, t.tokens);
    await expect(updateLocationSettings(deps(), 'loc-tz', { tz: 'Mars/Olympus' })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    expect((await getLocationSummary(t.db, 'loc-tz'))?.scheduleTz).toBe('UTC');

    // A real zone is kept, and a later schedule with no zone uses it.
    await updateLocationSettings(deps(), 'loc-tz', { tz: 'Europe/Paris' });
    const scheduled = await updateLocationSettings(deps(), 'loc-tz', { schedule: '0 3 * * *' });
    expect(scheduled).toMatchObject({ scheduleCron: '0 3 * * *', scheduleTz: 'Europe/Paris' });
  });
});

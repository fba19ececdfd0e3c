import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRun, transitionRun, upsertLocation } from '@ghl-sync/db';
import { BEARER, LOCATION_ID, createApiFixture, type ApiFixture } from './support/api-fixture.js';

let fx: ApiFixture;
beforeAll(async () => {
  fx = await createApiFixture();
});
afterAll(async () => {
  await fx?.close();
});

describe('POST /api/syncs', () => {
  it('opens a queued run and enqueues its coordinator job (202)', async () => {
    const res = await fx.app.inject({
      method: 'POST',
      url: '/api/syncs',
      headers: BEARER,
      payload: { locationId: LOCATION_ID, mode: 'resync', allowMassDelete: true },
    });
    expect(res.statusCode).toBe(202);
    const body = res.json<{ runId: number; locationId: string; status: string; jobId: string }>();
    expect(body).toMatchObject({ locationId: LOCATION_ID, status: 'queued' });

    const run = await getRun(fx.db, body.runId);
    expect(run).toMatchObject({
      locationId: LOCATION_ID,
      trigger: 'api',
      mode: 'resync',
      allowMassDelete: true,
      status: 'queued',
    });
    expect(run?.deadlineAt).toBeInstanceOf(Date);

    const job = await fx.queues.coordinator.getJob(body.jobId);
    expect(job?.data).toEqual({
      locationId: LOCATION_ID,
      runId: body.runId,
      trigger: 'api',
      mode: 'resync',
      allowMassDelete: true,
    });
  });

  it('answers 409 with the active run id when the location already has an active run', async () => {
    const active = (
      await fx.app.inject({ method: 'GET', url: `/api/syncs?locationId=${LOCATION_ID}&limit=1`, headers: BEARER })
    ).json<{ runs: Array<{ id: number }> }>().runs[0]!;
    const res = await fx.app.inject({
      method: 'POST',
      url: '/api/syncs',
      headers: BEARER,
      payload: { locationId: LOCATION_ID, mode: 'full' },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: { code: 'run_already_active', activeRunId: active.id } });
    expect(await fx.queues.coordinator.count()).toBe(1);
  });

  it('answers 404 location_not_found for an unregistered location, and opens no run', async () => {
    const res = await fx.app.inject({
      method: 'POST',
      url: '/api/syncs',
      headers: BEARER,
      payload: { locationId: 'nope', mode: 'full' },
    });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: { code: 'location_not_found' } });
    const list = await fx.app.inject({ method: 'GET', url: '/api/syncs?locationId=nope', headers: BEARER });
    expect(list.json()).toEqual({ runs: [] });
  });

  it('answers 400 listing every problem of a bad body', async () => {
    const res = await fx.app.inject({
      method: 'POST',
      url: '/api/syncs',
      headers: BEARER,
      payload: { mode: 'partial', allowMassDelete: 'yes' },
    });
    expect(res.statusCode).toBe(400);
    const body = res.json<{
      error: { code: string; details: { problems: Array<{ path: string; message: string }> } };
    }>();
    expect(body.error.code).toBe('invalid_argument');
    expect(body.error.details.problems.map((p) => p.path).sort()).toEqual([
      'body.allowMassDelete',
      'body.locationId',
      'body.mode',
    ]);
  });

  it('answers 400 invalid_argument for a body that is not JSON', async () => {
    const res = await fx.app.inject({
      method: 'POST',
      url: '/api/syncs',
      headers: { ...BEARER, 'content-type': 'application/json' },
      payload: '{"locationId":',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'invalid_argument' } });
  });
});

describe('reading runs', () => {
  it('GET /api/syncs/:id returns the run with its counters, pages and record errors', async () => {
    const { runs } = (await fx.app.inject({ method: 'GET', url: '/api/syncs', headers: BEARER })).json<{
      runs: Array<{ id: number }>;
    }>();
    const id = runs[0]!.id;
    await fx.db.query(`INSERT INTO ghl.sync_run_pages (run_id, page_no, is_last, listed) VALUES ($1, 1, true, 3)`, [
      id,
    ]);
    await fx.db.query(
      `INSERT INTO ghl.sync_run_errors (run_id, page_no, opportunity_id, code, message) VALUES ($1, 1, 'opp-1', 'record_invalid_amount', 'amount was "abc"')`,
      [id],
    );
    const res = await fx.app.inject({ method: 'GET', url: `/api/syncs/${id}`, headers: BEARER });
    expect(res.statusCode).toBe(200);
    const body = res.json<{
      run: Record<string, unknown>;
      pages: Array<Record<string, unknown>>;
      errors: Array<Record<string, unknown>>;
    }>();
    expect(body.run).toMatchObject({ id, locationId: LOCATION_ID, listed: 0, inserted: 0, recordErrors: 0 });
    expect(body.pages).toEqual([expect.objectContaining({ runId: id, pageNo: 1, listed: 3, status: 'listed' })]);
    expect(body.errors).toEqual([
      expect.objectContaining({ pageNo: 1, opportunityId: 'opp-1', code: 'record_invalid_amount' }),
    ]);
  });

  it('GET /api/syncs/:id answers 404 run_not_found and 400 for an id that is not a number', async () => {
    expect((await fx.app.inject({ method: 'GET', url: '/api/syncs/999999', headers: BEARER })).json()).toMatchObject({
      error: { code: 'run_not_found' },
    });
    const bad = await fx.app.inject({ method: 'GET', url: '/api/syncs/abc', headers: BEARER });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'invalid_argument' } });
  });

  it('answers 400 invalid_argument, never a retryable 503, for ids Postgres could not hold (NUL, out of integer range, bad characters)', async () => {
    const cases = [
      { method: 'POST' as const, url: '/api/syncs', payload: { locationId: 'abc\u0000def', mode: 'full' } },
      { method: 'POST' as const, url: '/api/syncs', payload: { locationId: 'a/b', mode: 'full' } },
      { method: 'POST' as const, url: '/api/syncs', payload: { locationId: 'x'.repeat(65), mode: 'full' } },
      { method: 'GET' as const, url: '/api/syncs?locationId=a%00b' },
      { method: 'GET' as const, url: '/api/syncs?locationId=a%20b' },
      { method: 'GET' as const, url: '/api/syncs/99999999999' },
      { method: 'GET' as const, url: '/api/syncs/2147483648' },
      { method: 'POST' as const, url: '/api/syncs/99999999999/cancel', payload: {} },
    ];
    for (const c of cases) {
      const res = await fx.app.inject({ ...c, headers: BEARER });
      expect(res.statusCode, `${c.method} ${c.url} ${JSON.stringify(c.payload ?? '')}`).toBe(400);
      expect(res.json()).toMatchObject({ error: { code: 'invalid_argument' } });
      expect(res.body).not.toMatch(/Postgres|SELECT|INSERT/);
    }
    // The largest id an integer column holds is still a valid question.
    const max = await fx.app.inject({ method: 'GET', url: '/api/syncs/2147483647', headers: BEARER });
    expect(max.statusCode).toBe(404);
  });

  it('GET /api/syncs lists newest first, filters by location and validates limit 1..200', async () => {
    await upsertLocation(fx.db, { id: 'loc-other', accessToken: 'pit-other', scheduleCron: null }, fx.tokens);
    const other = (
      await fx.app.inject({
        method: 'POST',
        url: '/api/syncs',
        headers: BEARER,
        payload: { locationId: 'loc-other', mode: 'full' },
      })
    ).json<{ runId: number }>();
    const all = (await fx.app.inject({ method: 'GET', url: '/api/syncs', headers: BEARER })).json<{
      runs: Array<{ id: number; locationId: string }>;
    }>().runs;
    expect(all.map((r) => r.id)).toEqual([...all.map((r) => r.id)].sort((a, b) => b - a));
    expect(all[0]!.id).toBe(other.runId);
    const filtered = (
      await fx.app.inject({ method: 'GET', url: `/api/syncs?locationId=${LOCATION_ID}`, headers: BEARER })
    ).json<{ runs: Array<{ locationId: string }> }>().runs;
    expect(filtered.length).toBeGreaterThan(0);
    expect(filtered.every((r) => r.locationId === LOCATION_ID)).toBe(true);
    expect(
      (await fx.app.inject({ method: 'GET', url: '/api/syncs?limit=1', headers: BEARER })).json<{ runs: unknown[] }>()
        .runs,
    ).toHaveLength(1);
    for (const limit of ['0', '201', 'ten']) {
      const res = await fx.app.inject({ method: 'GET', url: `/api/syncs?limit=${limit}`, headers: BEARER });
      expect(res.statusCode, `limit=${limit}`).toBe(400);
      expect(res.json()).toMatchObject({
        error: { code: 'invalid_argument', details: { problems: [expect.objectContaining({ path: 'query.limit' })] } },
      });
    }
  });
});

describe('POST /api/syncs/:id/cancel', () => {
  it('flags an active run (202), answers 409 once it finished and 404 for an unknown run', async () => {
    await upsertLocation(fx.db, { id: 'loc-cancel', accessToken: 'pit-cancel', scheduleCron: null }, fx.tokens);
    const { runId } = (
      await fx.app.inject({
        method: 'POST',
        url: '/api/syncs',
        headers: BEARER,
        payload: { locationId: 'loc-cancel', mode: 'full' },
      })
    ).json<{ runId: number }>();

    const first = await fx.app.inject({ method: 'POST', url: `/api/syncs/${runId}/cancel`, headers: BEARER });
    expect(first.statusCode).toBe(202);
    expect(first.json()).toMatchObject({ run: { id: runId, cancelRequested: true, status: 'queued' } });
    expect((await getRun(fx.db, runId))?.cancelRequested).toBe(true);

    await transitionRun(fx.db, runId, 'cancelled');
    const again = await fx.app.inject({ method: 'POST', url: `/api/syncs/${runId}/cancel`, headers: BEARER });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: { code: 'run_not_active', details: { runId, status: 'cancelled' } } });

    const unknown = await fx.app.inject({ method: 'POST', url: '/api/syncs/424242/cancel', headers: BEARER });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: { code: 'run_not_found' } });
  });
});

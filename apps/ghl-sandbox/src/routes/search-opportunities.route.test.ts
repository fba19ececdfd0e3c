import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../index.js';
import { ghlGet, searchPath, walkAll } from '../test-support/ghl-fetch.js';

describe('GET /opportunities/search', () => {
  let sandbox: Sandbox;
  let loc: { id: string; token: string };
  let other: { id: string; token: string };

  beforeAll(async () => {
    sandbox = await startSandbox({ locations: 2, opportunitiesPerLocation: 237, rateLimitMax: 0 });
    loc = sandbox.locations[0]!;
    other = sandbox.locations[1]!;
  });
  afterAll(() => sandbox.close());

  describe('auth', () => {
    it('answers 401 UnauthorizedDTO without a token', async () => {
      const res = await ghlGet(sandbox, searchPath({ location_id: loc.id }), undefined);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({
        statusCode: 401,
        message: 'Invalid token: access token is invalid',
        error: 'Unauthorized',
      });
      expect(typeof res.body.traceId).toBe('string');
      expect(res.headers.get('x-ratelimit-max')).toBe('1000000000');
    });

    it('answers 401 for an unknown token', async () => {
      const res = await ghlGet(
        sandbox,
        searchPath({ location_id: loc.id }),
        'pit-00000000-0000-4000-8000-000000000000',
      );
      expect(res.status).toBe(401);
      expect(res.body.message).toBe('Invalid token: access token is invalid');
    });

    it('answers 403 when the token belongs to another location', async () => {
      const res = await ghlGet(sandbox, searchPath({ location_id: loc.id }), other.token);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({
        statusCode: 403,
        message: 'The token does not have access to this location.',
        error: 'Forbidden',
      });
    });

    it('issues pit-<uuid> tokens', () => {
      expect(loc.token).toMatch(/^pit-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(loc.id).toMatch(/^[A-Za-z0-9]{20}$/);
    });
  });

  describe('Version header', () => {
    it('answers 400 when missing', async () => {
      const response = await fetch(`${sandbox.url}${searchPath({ location_id: loc.id })}`, {
        headers: { Authorization: `Bearer ${loc.token}` },
      });
      const body = (await response.json()) as Record<string, unknown>;
      expect(response.status).toBe(400);
      expect(body['statusCode']).toBe(400);
      expect(body['message']).toContain('Version header is required');
    });

    it('answers 400 for another version', async () => {
      const res = await ghlGet(sandbox, searchPath({ location_id: loc.id }), loc.token, { Version: '2021-04-15' });
      expect(res.status).toBe(400);
      expect(res.body.message).toContain('2021-04-15');
    });
  });

  describe('validation', () => {
    it('rejects unknown and camelCase params with one message each', async () => {
      const res = await ghlGet(sandbox, searchPath({ location_id: loc.id, pipelineId: 'x', skip: 10 }), loc.token);
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({
        statusCode: 422,
        error: 'Unprocessable Entity',
        message: ['property pipelineId should not exist', 'property skip should not exist'],
      });
    });

    it('requires location_id', async () => {
      const res = await ghlGet(sandbox, searchPath({ limit: 5 }), loc.token);
      expect(res.status).toBe(422);
      expect(res.body.message).toEqual(["location_id can't be undefined"]);
    });

    it('caps limit at 100', async () => {
      const res = await ghlGet(sandbox, searchPath({ location_id: loc.id, limit: 101 }), loc.token);
      expect(res.status).toBe(422);
      expect(res.body.message).toEqual(['limit must not be greater than 100']);
      const ok = await ghlGet(sandbox, searchPath({ location_id: loc.id, limit: 100 }), loc.token);
      expect(ok.body.opportunities).toHaveLength(100);
    });

    it('rejects an unknown status', async () => {
      const res = await ghlGet(sandbox, searchPath({ location_id: loc.id, status: 'closed' }), loc.token);
      expect(res.status).toBe(422);
      expect(res.body.message[0]).toContain('status must be one of the following values');
    });
  });

  describe('paging', () => {
    it('returns 20 records by default with first-page meta', async () => {
      const res = await ghlGet(sandbox, searchPath({ location_id: loc.id }), loc.token);
      expect(res.status).toBe(200);
      expect(res.body.opportunities).toHaveLength(20);
      expect(res.body.aggregations).toEqual({});
      expect(res.body.traceId).toMatch(/^[0-9a-f-]{36}$/);
      const last = res.body.opportunities[19];
      expect(res.body.meta).toEqual({
        total: 237,
        nextPageUrl: `${sandbox.url}/opportunities/search?location_id=${loc.id}&startAfter=${last.sort[0]}&startAfterId=${last.id}`,
        startAfterId: last.id,
        startAfter: last.sort[0],
        currentPage: 1,
        nextPage: 2,
        prevPage: null,
      });
    });

    it('serves records in the documented shape', async () => {
      const res = await ghlGet(sandbox, searchPath({ location_id: loc.id, limit: 100 }), loc.token);
      for (const o of res.body.opportunities) {
        expect(o.id).toMatch(/^[A-Za-z0-9]{20}$/);
        expect(o.locationId).toBe(loc.id);
        expect(o.pipelineStageUId).toBe(o.pipelineStageId);
        expect(o.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
        expect(o.sort).toEqual([Date.parse(o.createdAt), o.id]);
        expect(o.contact.id).toBe(o.contactId);
        expect(o.contact.score).toEqual([]);
        expect(typeof o.indexVersion).toBe('number');
        expect(Array.isArray(o.customFields)).toBe(true);
        expect(['open', 'won', 'lost', 'abandoned']).toContain(o.status);
      }
      const all = res.body.opportunities as any[];
      expect(all.some((o) => o.source === null)).toBe(true);
      expect(all.some((o) => !('lastActionDate' in o))).toBe(true);
      expect(all.some((o) => o.contact.companyName === null)).toBe(true);
      expect(all.some((o) => o.monetaryValue === 0)).toBe(true);
    });

    it('walks all records exactly once, newest first, with a null end sentinel', async () => {
      const { records, metas } = await walkAll(sandbox, loc.id, loc.token, { limit: 50 });
      expect(records).toHaveLength(237);
      expect(new Set(records.map((r) => r.id)).size).toBe(237);
      for (let i = 1; i < records.length; i += 1) {
        const [a, b] = [records[i - 1].sort, records[i].sort];
        expect(a[0] > b[0] || (a[0] === b[0] && a[1] > b[1])).toBe(true);
      }
      expect(metas).toHaveLength(5);
      const lastMeta = metas[4];
      expect(lastMeta.nextPageUrl).toBeNull();
      expect(lastMeta.nextPage).toBeNull();
      expect(lastMeta.total).toBe(237);
      expect(metas[1].currentPage).toBe(1); // stuck at 1 under cursor paging, as reported
    });

    it('returns page 1 again when startAfter comes without startAfterId', async () => {
      const first = await ghlGet(sandbox, searchPath({ location_id: loc.id, limit: 5 }), loc.token);
      const again = await ghlGet(
        sandbox,
        searchPath({ location_id: loc.id, limit: 5, startAfter: first.body.meta.startAfter }),
        loc.token,
      );
      expect(again.body.opportunities.map((o: any) => o.id)).toEqual(first.body.opportunities.map((o: any) => o.id));
      const withPage = await ghlGet(sandbox, searchPath({ location_id: loc.id, limit: 5, page: 2 }), loc.token);
      expect(withPage.body.opportunities[0].id).toBe(first.body.opportunities[0].id);
    });

    it('flips the order with order=added_asc and walks it fully', async () => {
      const desc = await walkAll(sandbox, loc.id, loc.token, { limit: 100 });
      const asc = await walkAll(sandbox, loc.id, loc.token, { limit: 30, order: 'added_asc' });
      expect(asc.records.map((r) => r.id)).toEqual([...desc.records].reverse().map((r) => r.id));
    });

    it('filters by status and pipeline with exact totals', async () => {
      const { records } = await walkAll(sandbox, loc.id, loc.token, { limit: 100 });
      const won = records.filter((r) => r.status === 'won');
      const res = await ghlGet(sandbox, searchPath({ location_id: loc.id, status: 'won', limit: 100 }), loc.token);
      expect(res.body.meta.total).toBe(won.length);
      expect(res.body.opportunities.map((o: any) => o.id)).toEqual(won.slice(0, 100).map((r) => r.id));
      const pipelineId = records[0].pipelineId;
      const inPipeline = await walkAll(sandbox, loc.id, loc.token, { limit: 7, pipeline_id: pipelineId });
      expect(inPipeline.records.map((r) => r.id)).toEqual(
        records.filter((r) => r.pipelineId === pipelineId).map((r) => r.id),
      );
      expect(inPipeline.metas[0].total).toBe(inPipeline.records.length);
    });

    it('filters createdAt by date/endDate (mm-dd-yyyy, inclusive UTC days)', async () => {
      const { records } = await walkAll(sandbox, loc.id, loc.token, { limit: 100 });
      const pivot = new Date(records[100].createdAt);
      const mmddyyyy = `${String(pivot.getUTCMonth() + 1).padStart(2, '0')}-${String(pivot.getUTCDate()).padStart(2, '0')}-${pivot.getUTCFullYear()}`;
      const day = Date.UTC(pivot.getUTCFullYear(), pivot.getUTCMonth(), pivot.getUTCDate());
      const expected = records.filter((r) => r.sort[0] >= day && r.sort[0] < day + 86_400_000);
      const res = await ghlGet(
        sandbox,
        searchPath({ location_id: loc.id, date: mmddyyyy, endDate: mmddyyyy, limit: 100 }),
        loc.token,
      );
      expect(expected.length).toBeGreaterThan(0);
      expect(res.body.opportunities.map((o: any) => o.id)).toEqual(expected.map((r) => r.id));
    });

    it('finds one record by id', async () => {
      const first = await ghlGet(sandbox, searchPath({ location_id: loc.id, limit: 3 }), loc.token);
      const target = first.body.opportunities[2];
      const res = await ghlGet(sandbox, searchPath({ location_id: loc.id, id: target.id }), loc.token);
      expect(res.body.opportunities).toEqual([target]);
      expect(res.body.meta.total).toBe(1);
    });
  });

  describe('GET /opportunities/pipelines', () => {
    it('lists 3-4 pipelines with 4-7 stages whose ids the records use', async () => {
      const res = await ghlGet(sandbox, `/opportunities/pipelines?locationId=${loc.id}`, loc.token);
      expect(res.status).toBe(200);
      const pipelines = res.body.pipelines as any[];
      expect(pipelines.length).toBeGreaterThanOrEqual(3);
      expect(pipelines.length).toBeLessThanOrEqual(4);
      for (const p of pipelines) {
        expect(p.stages.length).toBeGreaterThanOrEqual(4);
        expect(p.stages.length).toBeLessThanOrEqual(7);
        expect(p.stages.map((s: any) => s.position)).toEqual(p.stages.map((_: unknown, i: number) => i));
        expect(p.stages[0].id).toMatch(/^[0-9a-f-]{36}$/);
      }
      const stageIds = new Set(pipelines.flatMap((p) => p.stages.map((s: any) => s.id)));
      const page = await ghlGet(sandbox, searchPath({ location_id: loc.id, limit: 50 }), loc.token);
      for (const o of page.body.opportunities) expect(stageIds.has(o.pipelineStageId)).toBe(true);
    });

    it('requires locationId (camelCase) and rejects location_id', async () => {
      const res = await ghlGet(sandbox, `/opportunities/pipelines?location_id=${loc.id}`, loc.token);
      expect(res.status).toBe(422);
      expect(res.body.message).toEqual(['property location_id should not exist', "locationId can't be undefined"]);
    });
  });
});

describe('determinism and scale', () => {
  it('gives byte-identical data for the same seed and different data for another', async () => {
    const a = await startSandbox({ seed: 42, opportunitiesPerLocation: 500 });
    const b = await startSandbox({ seed: 42, opportunitiesPerLocation: 500 });
    const c = await startSandbox({ seed: 43, opportunitiesPerLocation: 500 });
    try {
      expect(a.locations).toEqual(b.locations);
      const pageOf = async (s: Sandbox) => {
        const res = await ghlGet(s, searchPath({ location_id: s.locations[0]!.id, limit: 100 }), s.locations[0]!.token);
        return JSON.stringify(res.body.opportunities);
      };
      expect(await pageOf(a)).toBe(await pageOf(b));
      expect(a.locations[0]!.id).not.toBe(c.locations[0]!.id);
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  it('answers deep cursor pages of a 500k location', async () => {
    const s = await startSandbox({ locations: [{ opportunities: 500_000 }], rateLimitMax: 0 });
    try {
      const l = s.locations[0]!;
      const first = await ghlGet(s, searchPath({ location_id: l.id, status: 'all', limit: 100 }), l.token);
      expect(first.body.meta.total).toBe(500_000);
      expect(first.body.opportunities).toHaveLength(100);
      // Jump close to the end with a cursor taken from the oldest records (ascending order).
      const oldest = await ghlGet(
        s,
        searchPath({ location_id: l.id, status: 'all', limit: 100, order: 'added_asc' }),
        l.token,
      );
      const key = oldest.body.opportunities[50];
      const deep = await ghlGet(
        s,
        searchPath({
          location_id: l.id,
          status: 'all',
          limit: 100,
          startAfter: key.sort[0],
          startAfterId: key.sort[1],
        }),
        l.token,
      );
      expect(deep.body.opportunities).toHaveLength(50);
      expect(deep.body.meta.nextPageUrl).toBeNull();
      expect(deep.body.opportunities[49].id).toBe(oldest.body.opportunities[0].id);
    } finally {
      await s.close();
    }
  });
});

describe('more search behaviour', () => {
  let sandbox: Sandbox;
  let loc: { id: string; token: string };
  beforeAll(async () => {
    sandbox = await startSandbox({ seed: 5, locations: 2, opportunitiesPerLocation: 150, rateLimitMax: 0 });
    loc = sandbox.locations[0]!;
  });
  afterAll(() => sandbox.close());

  it('filters by contact_id, assigned_to and q', async () => {
    const { records } = await walkAll(sandbox, loc.id, loc.token, { limit: 100 });
    const target = records.find((r) => r.assignedTo !== undefined)!;
    const byContact = await ghlGet(
      sandbox,
      searchPath({ location_id: loc.id, contact_id: target.contactId }),
      loc.token,
    );
    expect(byContact.body.opportunities.map((o: any) => o.id)).toEqual(
      records.filter((r) => r.contactId === target.contactId).map((r) => r.id),
    );
    const assigned = await walkAll(sandbox, loc.id, loc.token, { limit: 100, assigned_to: target.assignedTo });
    expect(assigned.records.map((r) => r.id)).toEqual(
      records.filter((r) => r.assignedTo === target.assignedTo).map((r) => r.id),
    );
    const byEmail = await ghlGet(
      sandbox,
      searchPath({ location_id: loc.id, q: target.contact.email.toUpperCase() }),
      loc.token,
    );
    expect(byEmail.body.opportunities.map((o: any) => o.id)).toContain(target.id);
    expect(byEmail.body.opportunities.every((o: any) => o.contact.email === target.contact.email)).toBe(true);
  });

  it('embeds empty notes/tasks/calendarEvents only when asked', async () => {
    const plain = await ghlGet(sandbox, searchPath({ location_id: loc.id, limit: 1 }), loc.token);
    expect('notes' in plain.body.opportunities[0]).toBe(false);
    const rich = await ghlGet(
      sandbox,
      searchPath({ location_id: loc.id, limit: 1, getNotes: 'true', getTasks: 'true', getCalendarEvents: 'true' }),
      loc.token,
    );
    expect(rich.body.opportunities[0]).toMatchObject({ notes: [], tasks: [], calendarEvents: [] });
  });

  it('guards pipelines like search: Version header and location', async () => {
    const other = sandbox.locations[1]!;
    const forbidden = await ghlGet(sandbox, `/opportunities/pipelines?locationId=${other.id}`, loc.token);
    expect(forbidden.status).toBe(403);
    const noVersion = await ghlGet(sandbox, `/opportunities/pipelines?locationId=${loc.id}`, loc.token, {
      Version: '',
    });
    expect(noVersion.status).toBe(400);
    expect(noVersion.headers.get('x-ratelimit-remaining')).toBe('1000000000');
  });

  it('answers unknown endpoints with a NestJS-style 404', async () => {
    const res = await ghlGet(sandbox, '/opportunities/nope/deeper?x=1', loc.token);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({
      statusCode: 404,
      message: 'Cannot GET /opportunities/nope/deeper',
      error: 'Not Found',
    });
    expect(res.headers.get('x-ratelimit-limit-daily')).toBe('200000');
  });

  it('starts 10 locations × 20,000 and serves each', async () => {
    // How fast it starts is a timing goal for a benchmark, not for this test.
    const big = await startSandbox({ locations: 10, opportunitiesPerLocation: 20_000, rateLimitMax: 0 });
    try {
      expect(new Set(big.locations.map((l) => l.token)).size).toBe(10);
      for (const l of big.locations) {
        const res = await ghlGet(big, searchPath({ location_id: l.id, status: 'all', limit: 100 }), l.token);
        expect(res.body.meta.total).toBe(20_000);
        expect(res.body.opportunities[0].locationId).toBe(l.id);
      }
    } finally {
      await big.close();
    }
  });
});

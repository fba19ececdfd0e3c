import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from './index.js';
import { ghlGet, searchPath, walkAll } from './test-support/ghl-fetch.js';

describe('knobs', () => {
  let sandbox: Sandbox;
  let id: string;
  let token: string;
  const page = (extra: Record<string, string | number> = {}) =>
    ghlGet(sandbox, searchPath({ location_id: id, status: 'all', limit: 10, ...extra }), token);

  beforeAll(async () => {
    sandbox = await startSandbox({ seed: 3, opportunitiesPerLocation: 45, rateLimitMax: 0 });
    ({ id, token } = sandbox.locations[0]!);
  });
  afterEach(() => {
    sandbox.admin.resetKnobs(id);
  });
  afterAll(() => sandbox.close());

  it('latencyMs delays answers', async () => {
    sandbox.admin.setKnobs(id, { latencyMs: { medianMs: 150, jitterMs: 0 } });
    const started = performance.now();
    expect((await page()).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('failureRate answers 5xx with GHL-style bodies', async () => {
    sandbox.admin.setKnobs(id, { failureRate: 1 });
    for (let i = 0; i < 5; i += 1) {
      const res = await page();
      expect([500, 502, 503]).toContain(res.status);
      expect(res.body.statusCode).toBe(res.status);
      expect(typeof res.body.message).toBe('string');
      expect(res.headers.get('x-ratelimit-limit-daily')).toBe('200000');
    }
  });

  it('hangRate holds the socket for hangMs and closes it without an answer', async () => {
    sandbox.admin.setKnobs(id, { hangRate: 1, hangMs: 300 });
    sandbox.admin.resetStats(id);
    const started = performance.now();
    await expect(page()).rejects.toThrow();
    expect(performance.now() - started).toBeGreaterThanOrEqual(280);
    expect(sandbox.admin.getStats(id).byStatus['hang']).toBe(1);
  });

  it('failPages fails one page a given number of times', async () => {
    sandbox.admin.setKnobs(id, { failPages: [{ pageIndex: 1, status: 502, times: 2 }] });
    const first = await page();
    expect(first.status).toBe(200);
    const cursor = { startAfter: first.body.meta.startAfter, startAfterId: first.body.meta.startAfterId };
    expect((await page(cursor)).status).toBe(502);
    expect((await page(cursor)).body).toMatchObject({ statusCode: 502, message: 'Bad Gateway' });
    const third = await page(cursor);
    expect(third.status).toBe(200);
    expect(
      (await page({ startAfter: third.body.meta.startAfter, startAfterId: third.body.meta.startAfterId })).status,
    ).toBe(200);
  });

  it('updateOnPage changes a record just before a given page is answered, once', async () => {
    const first = await page();
    const cursor = { startAfter: first.body.meta.startAfter, startAfterId: first.body.meta.startAfterId };
    const onSecond = (await page(cursor)).body.opportunities[3] as { id: string; name: string };
    sandbox.admin.setKnobs(id, { updateOnPage: { pageIndex: 1, id: onSecond.id, patch: { name: 'moved' } } });
    expect(sandbox.admin.getOpportunity(id, onSecond.id)?.['name']).toBe(onSecond.name);
    expect((await page()).status).toBe(200);
    expect(sandbox.admin.getOpportunity(id, onSecond.id)?.['name']).toBe(onSecond.name);
    const second = await page(cursor);
    expect(second.body.opportunities[3]).toMatchObject({ id: onSecond.id, name: 'moved' });
    expect(sandbox.admin.getKnobs(id).updateOnPage).toBeNull();
  });

  it('deleteOnPage deletes a record just before a given page is answered, once; with filtered, only for a filtered request', async () => {
    // A record of its own, so the location's other records stay as the other tests expect them.
    const doomed = sandbox.admin.createOpportunity(id, {}) as { id: string };
    const first = await page();
    sandbox.admin.setKnobs(id, { deleteOnPage: { pageIndex: 0, id: doomed.id, filtered: true } });
    expect((await page()).body.meta.total).toBe(first.body.meta.total);
    expect(sandbox.admin.getOpportunity(id, doomed.id)).toBeDefined();
    expect((await page({ status: 'open' })).status).toBe(200);
    expect(sandbox.admin.getOpportunity(id, doomed.id)).toBeUndefined();
    expect((await page()).body.meta.total).toBe(first.body.meta.total - 1);
    expect(sandbox.admin.getKnobs(id).deleteOnPage).toBeNull();
  });

  it('forceStatus answers the next N requests with a status and Retry-After, without spending budget', async () => {
    sandbox.admin.resetStats(id);
    sandbox.admin.setKnobs(id, { forceStatus: { status: 429, count: 2, retryAfterSec: 3 } });
    const a = await page();
    const b = await page();
    const c = await page();
    expect([a.status, b.status, c.status]).toEqual([429, 429, 200]);
    expect(a.headers.get('retry-after')).toBe('3');
    expect(a.body).toMatchObject({ statusCode: 429, message: 'Too many requests' });
    expect(sandbox.admin.getStats(id)).toMatchObject({ requests: 3, accepted: 1, rejected429: 2 });
  });

  it('totalMode reports an inflated or fixed total', async () => {
    sandbox.admin.setKnobs(id, { totalMode: 'inflated' });
    expect((await page()).body.meta.total).toBe(167_623);
    sandbox.admin.setKnobs(id, { totalMode: 42 });
    expect((await page()).body.meta.total).toBe(42);
  });

  it('stallCursorAfterPage makes the cursor stop advancing', async () => {
    sandbox.admin.setKnobs(id, { stallCursorAfterPage: 1 });
    const first = await page();
    const cursor = { startAfter: first.body.meta.startAfter, startAfterId: first.body.meta.startAfterId };
    const second = await page(cursor);
    expect(second.body.meta.startAfter).toBe(cursor.startAfter);
    expect(second.body.meta.startAfterId).toBe(cursor.startAfterId);
    const third = await page({ startAfter: second.body.meta.startAfter, startAfterId: second.body.meta.startAfterId });
    expect(third.body.opportunities.map((o: any) => o.id)).toEqual(second.body.opportunities.map((o: any) => o.id));
    expect(third.body.meta.nextPageUrl).toContain(`startAfterId=${cursor.startAfterId}`);
  });

  it("cursorIdMode 'contact' keys the cursor on the contact id and still pages exactly once", async () => {
    sandbox.admin.setKnobs(id, { cursorIdMode: 'contact' });
    const first = await page();
    const last = first.body.opportunities[9];
    expect(last.sort).toEqual([Date.parse(last.createdAt), last.contactId]);
    expect(first.body.meta.startAfterId).toBe(last.contactId);
    const { records } = await walkAll(sandbox, id, token, { limit: 7 });
    expect(records).toHaveLength(45);
    expect(new Set(records.map((r) => r.id)).size).toBe(45);
  });

  it("endSentinel 'empty' and 'absent' change the last page's meta", async () => {
    sandbox.admin.setKnobs(id, { endSentinel: 'empty' });
    const empty = await page({ limit: 100 });
    expect(empty.body.meta).toMatchObject({ total: 45, nextPageUrl: '', startAfterId: '', nextPage: null });
    sandbox.admin.setKnobs(id, { endSentinel: 'absent' });
    const absent = await page({ limit: 100 });
    expect(absent.body.meta).toEqual({ total: 45, currentPage: 1, prevPage: null });
  });

  it('indexLagMs hides writes from search until the lag passes; admin reads see them at once', async () => {
    sandbox.admin.setKnobs(id, { indexLagMs: 300 });
    const created = sandbox.admin.createOpportunity(id, { name: 'lagging' });
    const victim = (await page()).body.opportunities[3].id as string;
    sandbox.admin.deleteOpportunity(id, victim);
    const before = await page();
    expect(before.body.opportunities.map((o: any) => o.id)).not.toContain(created['id']);
    expect(before.body.opportunities.map((o: any) => o.id)).toContain(victim);
    expect(before.body.meta.total).toBe(45);
    expect(sandbox.admin.getOpportunity(id, created['id'] as string)?.['name']).toBe('lagging');
    const exported = [];
    for await (const r of sandbox.admin.exportOpportunities(id)) exported.push(r['id']);
    expect(exported[0]).toBe(created['id']);
    expect(exported).not.toContain(victim);
    await new Promise((resolve) => setTimeout(resolve, 350));
    const after = await page();
    expect(after.body.opportunities[0].id).toBe(created['id']);
    expect(after.body.opportunities.map((o: any) => o.id)).not.toContain(victim);
    expect(after.body.meta.total).toBe(45);
  });

  it('malformed serves broken pages', async () => {
    sandbox.admin.setKnobs(id, { malformed: { mode: 'invalid_json', times: 1 } });
    const broken = await page();
    expect(broken.status).toBe(200);
    expect(broken.body).toBeUndefined();
    expect(broken.text.startsWith('{"opportunities":[')).toBe(true);
    expect((await page()).body.opportunities).toHaveLength(10);

    sandbox.admin.setKnobs(id, { malformed: { mode: 'html', times: 1 } });
    const html = await page();
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(html.text).toContain('<html>');

    sandbox.admin.setKnobs(id, { malformed: { mode: 'missing_meta', pageIndex: 1 } });
    const first = await page();
    expect(first.body.meta).toBeDefined();
    const second = await page({ startAfter: first.body.meta.startAfter, startAfterId: first.body.meta.startAfterId });
    expect(second.body.meta).toBeUndefined();
    expect(second.body.opportunities).toHaveLength(10);

    sandbox.admin.setKnobs(id, { malformed: { mode: 'missing_id', times: 1 } });
    const noId = await page();
    expect('id' in noId.body.opportunities[0]).toBe(false);
    expect(noId.body.opportunities[1].id).toMatch(/^[A-Za-z0-9]{20}$/);
  });

  it('pageRecords injects odd records that take part in ordering and totals', async () => {
    const all = (await walkAll(sandbox, id, token, { limit: 100 })).records;
    const between = all[4].sort[0] - 1; // strictly between records 4 and 5 (timeline steps are long)
    const odd = [
      {
        id: 'dupDupDupDupDupDup01',
        name: 'nul\u0000byte',
        monetaryValue: 'abc',
        createdAt: new Date(between).toISOString(),
        status: 'open',
      },
      {
        id: 'dupDupDupDupDupDup01',
        name: 'duplicate id',
        monetaryValue: null,
        createdAt: new Date(between - 1).toISOString(),
        status: 'open',
      },
    ];
    sandbox.admin.setKnobs(id, { pageRecords: odd });
    const res = await page({ limit: 8 });
    expect(res.body.meta.total).toBe(47);
    const names = res.body.opportunities.map((o: any) => o.name);
    expect(names[5]).toBe('nul\u0000byte');
    expect(names[6]).toBe('duplicate id');
    expect(res.body.opportunities[5].monetaryValue).toBe('abc');
    expect(res.body.opportunities[5].sort).toEqual([between, 'dupDupDupDupDupDup01']);
    const walked = await walkAll(sandbox, id, token, { limit: 3 });
    expect(walked.records).toHaveLength(47);
  });

  it('breaks createdAt ties by id, descending, across page boundaries', async () => {
    const at = '2099-07-01T00:00:00.000Z'; // newer than anything else in the location
    const ids = ['tieTieTieTieTieTie0A', 'tieTieTieTieTieTie0C', 'tieTieTieTieTieTie0B'];
    for (const tieId of ids) sandbox.admin.createOpportunity(id, { id: tieId, createdAt: at });
    const seen: string[] = [];
    let cursor: Record<string, string | number> = {};
    for (let i = 0; i < 3; i += 1) {
      const res = await page({ limit: 1, ...cursor });
      seen.push(res.body.opportunities[0].id);
      cursor = { startAfter: res.body.meta.startAfter, startAfterId: res.body.meta.startAfterId };
    }
    expect(seen).toEqual(['tieTieTieTieTieTie0C', 'tieTieTieTieTieTie0B', 'tieTieTieTieTieTie0A']);
  });
});

describe('generated ties', () => {
  // The one-record walk is 3,000 HTTP round trips: minutes on a loaded machine, not a hang.
  it(
    'pages through a location with ~1% shared milliseconds without loss or duplicates',
    { timeout: 300_000 },
    async () => {
      const sandbox = await startSandbox({ seed: 11, opportunitiesPerLocation: 3000, rateLimitMax: 0 });
      try {
        const { id, token } = sandbox.locations[0]!;
        const { records } = await walkAll(sandbox, id, token, { limit: 100 });
        expect(records).toHaveLength(3000);
        expect(new Set(records.map((r) => r.id)).size).toBe(3000);
        let ties = 0;
        for (let i = 1; i < records.length; i += 1) if (records[i].sort[0] === records[i - 1].sort[0]) ties += 1;
        expect(ties).toBeGreaterThan(3);
        const small = await walkAll(sandbox, id, token, { limit: 1, date: '01-01-2000' }, 5000);
        expect(small.records.map((r) => r.id)).toEqual(records.map((r) => r.id));
      } finally {
        await sandbox.close();
      }
    },
  );
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GhlSyncError } from '@ghl-sync/errors';
import { iterateOpportunityPages, type GhlCursor, type SearchOpportunitiesPage } from './index.js';
import { startFakeGhlServer, type FakeGhlServer } from './test-support/fake-ghl-server.js';
import { fakeSearch, makeRecords } from './test-support/fake-search.js';
import { LOCATION_ID, searchReply, testClient } from './test-support/client-test-kit.js';

let server: FakeGhlServer;
beforeEach(async () => {
  server = await startFakeGhlServer();
});
afterEach(async () => {
  await server.close();
});

type Page = SearchOpportunitiesPage & { pageIndex: number };

/** Drains the iterator, returning the pages seen and the error that ended it (if any). */
async function drain(iterable: AsyncGenerator<Page>): Promise<{ pages: Page[]; error: unknown }> {
  const pages: Page[] = [];
  try {
    for await (const page of iterable) pages.push(page);
  } catch (error) {
    return { pages, error };
  }
  return { pages, error: undefined };
}

describe('iterateOpportunityPages', () => {
  it.each([
    [1, 100],
    [99, 100],
    [100, 100],
    [101, 100],
    [250, 100],
    [300, 100],
    [7, 3],
  ])('lists %i records with limit %i in exactly ceil(N/limit) calls', async (n, limit) => {
    const records = makeRecords(n);
    server.handle(fakeSearch(records));
    const { client } = testClient(server);
    const { pages, error } = await drain(iterateOpportunityPages(client, { limit }));

    expect(error).toBeUndefined();
    expect(server.requests).toHaveLength(Math.ceil(n / limit));
    expect(pages.map((p) => p.pageIndex)).toEqual([...Array(Math.ceil(n / limit)).keys()]);
    expect(pages.flatMap((p) => p.opportunities.map((o) => o.id))).toEqual(records.map((r) => r.id));
  });

  it('sends both cursor fields plus location_id, status and limit on every later page', async () => {
    const records = makeRecords(25);
    server.handle(fakeSearch(records));
    const { client } = testClient(server);
    const { pages } = await drain(iterateOpportunityPages(client, { limit: 10, status: 'open' }));

    expect(server.requests[0]!.query).toEqual({ location_id: LOCATION_ID, status: 'open', limit: '10' });
    const tenth = records[9]!;
    expect(server.requests[1]!.query).toEqual({
      location_id: LOCATION_ID,
      status: 'open',
      limit: '10',
      startAfter: String(tenth.sort[0]),
      startAfterId: tenth.sort[1],
    });
    expect(pages[1]!.requestCursor).toEqual({ startAfter: tenth.sort[0], startAfterId: tenth.sort[1] });
    expect(pages[2]!.nextCursor).toBeNull();
  });

  it('starts from startCursor', async () => {
    const records = makeRecords(30);
    server.handle(fakeSearch(records));
    const { client } = testClient(server);
    const start: GhlCursor = { startAfter: records[19]!.sort[0], startAfterId: records[19]!.sort[1] };
    const { pages } = await drain(iterateOpportunityPages(client, { limit: 10, startCursor: start }));
    expect(pages.flatMap((p) => p.opportunities.map((o) => o.id))).toEqual(records.slice(20).map((r) => r.id));
    expect(server.requests[0]!.query['startAfterId']).toBe(start.startAfterId);
  });

  it('uses a first page asked ahead of time instead of asking it, and goes on from its cursor', async () => {
    const records = makeRecords(30);
    server.handle(fakeSearch(records));
    const { client } = testClient(server);
    const start: GhlCursor = { startAfter: records[9]!.sort[0], startAfterId: records[9]!.sort[1] };
    const firstPage = client.searchOpportunities({ cursor: start, limit: 10 });
    await firstPage;
    expect(server.requests).toHaveLength(1);
    const { pages } = await drain(iterateOpportunityPages(client, { limit: 10, startCursor: start, firstPage }));
    expect(pages.flatMap((p) => p.opportunities.map((o) => o.id))).toEqual(records.slice(10).map((r) => r.id));
    // The first page was not asked again: one request for it, then the last page.
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.query['startAfterId']).toBe(records[19]!.sort[1]);
  });

  it('throws the first page asked ahead of time when it failed, without asking again', async () => {
    const { client } = testClient(server);
    const failed = new GhlSyncError('ghl_server_error', 'GHL search answered 500');
    const { pages, error } = await drain(iterateOpportunityPages(client, { firstPage: Promise.reject(failed) }));
    expect(error).toBe(failed);
    expect(pages).toHaveLength(0);
    expect(server.requests).toHaveLength(0);
  });

  it.each(['null', 'empty', 'missing'] as const)(
    'stops when meta signals the end with a %s cursor',
    async (endSentinel) => {
      server.handle(fakeSearch(makeRecords(20), { endSentinel }));
      const { client } = testClient(server);
      const { pages, error } = await drain(iterateOpportunityPages(client, { limit: 15 }));
      expect(error).toBeUndefined();
      expect(pages.map((p) => p.opportunities.length)).toEqual([15, 5]);
      expect(server.requests).toHaveLength(2);
    },
  );

  it('stops after a short page even when meta still carries a cursor', async () => {
    const cursorMeta = { total: 500, nextPageUrl: 'u', startAfter: 1, startAfterId: 'x' };
    server.script(searchReply(makeRecords(7), cursorMeta));
    const { client } = testClient(server);
    const { pages } = await drain(iterateOpportunityPages(client, { limit: 10 }));
    expect(pages).toHaveLength(1);
    expect(server.requests).toHaveLength(1);
  });

  it('stops after an empty page even when meta still carries a cursor', async () => {
    const records = makeRecords(10);
    server.script(
      searchReply(records, { total: 11, nextPageUrl: 'u', startAfter: 5, startAfterId: 'a' }),
      searchReply([], { total: 11, nextPageUrl: 'u', startAfter: 4, startAfterId: 'b' }),
    );
    const { client } = testClient(server);
    const { pages, error } = await drain(iterateOpportunityPages(client, { limit: 10 }));
    expect(error).toBeUndefined();
    expect(pages.map((p) => p.opportunities.length)).toEqual([10, 0]);
    expect(server.requests).toHaveLength(2);
  });

  it('stops after a full page without a usable cursor', async () => {
    server.script(searchReply(makeRecords(10), { total: 1_000, nextPageUrl: 'u', startAfterId: null }));
    const { client } = testClient(server);
    const { pages } = await drain(iterateOpportunityPages(client, { limit: 10 }));
    expect(pages).toHaveLength(1);
    expect(server.requests).toHaveLength(1);
  });

  it('ignores a huge, wrong meta.total', async () => {
    server.handle(fakeSearch(makeRecords(150), { total: 10_000_000 }));
    const { client } = testClient(server);
    const { pages, error } = await drain(iterateOpportunityPages(client));
    expect(error).toBeUndefined();
    expect(pages.map((p) => p.opportunities.length)).toEqual([100, 50]);
    expect(server.requests).toHaveLength(2);
  });

  it('throws pagination_stalled on a repeated cursor after one extra call', async () => {
    server.handle(fakeSearch(makeRecords(500), { repeatCursor: true }));
    const { client } = testClient(server);
    const { pages, error } = await drain(iterateOpportunityPages(client));
    expect(error).toBeInstanceOf(GhlSyncError);
    expect((error as GhlSyncError).code).toBe('pagination_stalled');
    expect((error as GhlSyncError).details).toMatchObject({ pageIndex: 1, locationId: LOCATION_ID });
    expect(pages).toHaveLength(1); // the good page 0 only
    expect(server.requests).toHaveLength(2); // page 0 + one extra call
  });

  it('throws pagination_stalled when GHL serves page 1 again (cursor ignored)', async () => {
    server.handle(fakeSearch(makeRecords(500), { ignoreCursor: true }));
    const { client } = testClient(server);
    const { pages, error } = await drain(iterateOpportunityPages(client));
    expect((error as GhlSyncError).code).toBe('pagination_stalled');
    expect((error as GhlSyncError).message).toContain('first id');
    expect(pages).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
  });

  it('throws pagination_stalled when page 1 comes back after other pages', async () => {
    const records = makeRecords(300);
    const search = fakeSearch(records);
    server.handle((req, n) =>
      n === 2 ? search({ ...req, query: { location_id: LOCATION_ID, limit: '100' } }, n) : search(req, n),
    );
    const { client } = testClient(server);
    const { pages, error } = await drain(iterateOpportunityPages(client));
    expect((error as GhlSyncError).code).toBe('pagination_stalled');
    expect(pages).toHaveLength(2);
    expect(server.requests).toHaveLength(3);
  });

  it('throws pagination_stalled on a two-page cursor ping-pong', async () => {
    const records = makeRecords(10);
    const a = { startAfter: 111, startAfterId: 'A' };
    const b = { startAfter: 222, startAfterId: 'B' };
    const meta = (c: GhlCursor) => ({ total: 10, nextPageUrl: 'u', ...c });
    server.script(
      searchReply(records.slice(0, 2), meta(a)),
      searchReply(records.slice(2, 4), meta(b)),
      searchReply(records.slice(4, 6), meta(a)),
    );
    const { client } = testClient(server);
    const { pages, error } = await drain(iterateOpportunityPages(client, { limit: 2 }));
    expect((error as GhlSyncError).code).toBe('pagination_stalled');
    expect(pages).toHaveLength(2);
    expect(server.requests).toHaveLength(3);
  });

  it('propagates a client error from a later page', async () => {
    const records = makeRecords(20);
    const search = fakeSearch(records);
    server.handle((req, n) =>
      n === 0 ? search(req, n) : { status: 403, body: { statusCode: 403, message: 'no access' } },
    );
    const { client } = testClient(server);
    const { pages, error } = await drain(iterateOpportunityPages(client, { limit: 10 }));
    expect((error as GhlSyncError).code).toBe('ghl_forbidden');
    expect(pages).toHaveLength(1);
  });
});

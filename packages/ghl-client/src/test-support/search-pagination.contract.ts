import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** A GHL upstream the contract runs against: the sandbox, or the client's socket-level fake. */
export interface SearchUpstream {
  /** Base URL without a trailing slash. */
  baseUrl: string;
  locationId: string;
  /** Headers every request carries (Authorization, Version). */
  headers: Record<string, string>;
  /** How many opportunities the location holds; the upstream must hold at least 250, no change while the suite runs. */
  expectedTotal: number;
  close(): Promise<void>;
}

type Meta = Record<string, unknown>;
type Page = { status: number; opportunities: Record<string, unknown>[]; meta: Meta; body: Record<string, unknown> };

const ended = (value: unknown) => value === undefined || value === null || value === '';

/**
 * The pagination contract of `GET /opportunities/search` (ghl-api.md §1.1–§1.4), held by every GHL
 * double ghl-sync tests against, the way one suite holds every server adapter to one behaviour:
 * the client's unit tests run against the socket-level fake, the integration tests against the
 * sandbox, and both must answer like GHL or a test passes against a fiction.
 *
 * @param name - shown in the suite title.
 * @param start - starts the upstream (called once, before the suite); `close` is called after it.
 */
export function describeSearchPaginationContract(name: string, start: () => Promise<SearchUpstream>): void {
  describe(`GET /opportunities/search contract: ${name}`, () => {
    let upstream: SearchUpstream;
    beforeAll(async () => {
      upstream = await start();
    });
    afterAll(async () => {
      await upstream?.close();
    });

    const search = async (params: Record<string, string | number>): Promise<Page> => {
      const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
      const res = await fetch(`${upstream.baseUrl}/opportunities/search?${query}`, { headers: upstream.headers });
      const body = (await res.json()) as Record<string, unknown>;
      return {
        status: res.status,
        opportunities: (body['opportunities'] ?? []) as Record<string, unknown>[],
        meta: (body['meta'] ?? {}) as Meta,
        body,
      };
    };

    /** Follows the cursor exactly as `meta` returns it (opaque, §1.3) with every filter repeated. */
    const walk = async (limit: number) => {
      const pages: Page[] = [];
      let cursor: { startAfter: unknown; startAfterId: unknown } | null = null;
      for (let guard = 0; guard < 1_000; guard += 1) {
        const page = await search({
          location_id: upstream.locationId,
          status: 'all',
          limit,
          ...(cursor && { startAfter: String(cursor.startAfter), startAfterId: String(cursor.startAfterId) }),
        });
        expect(page.status).toBe(200);
        pages.push(page);
        if (ended(page.meta['startAfterId']) || ended(page.meta['nextPageUrl'])) return pages;
        cursor = { startAfter: page.meta['startAfter'], startAfterId: page.meta['startAfterId'] };
      }
      throw new Error('the cursor never ended');
    };

    it('answers the documented envelope: opportunities, meta with total and the next cursor', async () => {
      const page = await search({ location_id: upstream.locationId, status: 'all', limit: 100 });
      expect(page.status).toBe(200);
      expect(Array.isArray(page.body['opportunities'])).toBe(true);
      expect(page.opportunities).toHaveLength(100);
      expect(page.meta).toMatchObject({ total: upstream.expectedTotal });
      expect(typeof page.meta['startAfter']).toBe('number');
      expect(typeof page.meta['startAfterId']).toBe('string');
      expect(typeof page.meta['nextPageUrl']).toBe('string');
    });

    it('visits every opportunity exactly once, newest first, when the cursor is echoed', async () => {
      const pages = await walk(100);
      const records = pages.flatMap((p) => p.opportunities);
      const ids = records.map((r) => r['id'] as string);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toHaveLength(upstream.expectedTotal);
      expect(pages.every((p) => p.opportunities.length <= 100)).toBe(true);
      expect(pages.slice(0, -1).every((p) => p.opportunities.length === 100)).toBe(true);
      // The sort key is createdAt in epoch ms, newest first (§1.3), carried as `sort[0]` (§1.4).
      const created = records.map((r) => Date.parse(r['createdAt'] as string));
      expect(created.every((ms, i) => i === 0 || ms <= created[i - 1]!)).toBe(true);
      expect(
        records.every(
          (r) => Array.isArray(r['sort']) && (r['sort'] as unknown[])[0] === Date.parse(r['createdAt'] as string),
        ),
      ).toBe(true);
    });

    it('the cursor of a page is the sort key of its last record', async () => {
      const page = await search({ location_id: upstream.locationId, status: 'all', limit: 37 });
      const last = page.opportunities.at(-1)!;
      expect(page.opportunities).toHaveLength(37);
      expect(page.meta['startAfter']).toBe((last['sort'] as unknown[])[0]);
      expect(page.meta['startAfterId']).toBe((last['sort'] as unknown[])[1]);
    });

    it('serves the first page again when no cursor is sent (the "same page fetched 10 times" trap)', async () => {
      const first = await search({ location_id: upstream.locationId, status: 'all', limit: 50 });
      const again = await search({ location_id: upstream.locationId, status: 'all', limit: 50 });
      expect(again.opportunities.map((r) => r['id'])).toEqual(first.opportunities.map((r) => r['id']));
    });

    it('refuses a cursor sent without location_id with 422 (n8n #18436)', async () => {
      const first = await search({ location_id: upstream.locationId, status: 'all', limit: 10 });
      const page = await search({
        startAfter: String(first.meta['startAfter']),
        startAfterId: String(first.meta['startAfterId']),
        limit: 10,
      });
      expect(page.status).toBe(422);
      expect(JSON.stringify(page.body)).toContain("location_id can't be undefined");
    });
  });
}

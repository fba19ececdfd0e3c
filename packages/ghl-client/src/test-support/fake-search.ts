// Test-only: a keyset-paginated GET /opportunities/search over an in-memory dataset, newest first
// (createdAt desc, then sort id desc), echoing meta like the captured real answer (ghl-api.md §1.2).
import type { FakeHandler, FakeReply, FakeRequest } from './fake-ghl-server.js';

export interface FakeRecord {
  id: string;
  createdAt: string;
  sort: [number, string];
  [key: string]: unknown;
}

/** `count` records, one second apart, newest first, ids `opp-0001`… */
export function makeRecords(count: number, startMs = Date.UTC(2025, 0, 1)): FakeRecord[] {
  const records: FakeRecord[] = [];
  for (let i = 0; i < count; i += 1) {
    const id = `opp-${String(i + 1).padStart(4, '0')}`;
    const ms = startMs + i * 1000;
    records.push({
      id,
      name: `Deal ${i + 1}`,
      status: 'open',
      monetaryValue: i * 10,
      createdAt: new Date(ms).toISOString(),
      sort: [ms, id],
    });
  }
  return records.sort((a, b) => b.sort[0] - a.sort[0] || (a.sort[1] < b.sort[1] ? 1 : -1));
}

export interface FakeSearchOptions {
  /** Value of meta.total. @defaultValue records.length */
  total?: number;
  /** Ignore the cursor and always serve page 1 (the "same page fetched 10 times" bug). */
  ignoreCursor?: boolean;
  /** Always return the cursor that was sent (cursor does not advance) once a cursor is used. */
  repeatCursor?: boolean;
  /** How meta signals the end on the last page. @defaultValue 'null' */
  endSentinel?: 'null' | 'empty' | 'missing';
}

/** A search handler; non-search paths answer 404. */
export function fakeSearch(records: FakeRecord[], options: FakeSearchOptions = {}): FakeHandler {
  return (req: FakeRequest): FakeReply => {
    if (req.path !== '/opportunities/search') return { status: 404, body: { statusCode: 404, message: 'Not Found' } };
    if (!req.query['location_id'])
      return { status: 422, body: { statusCode: 422, message: ["location_id can't be undefined"] } };
    const limit = Number(req.query['limit'] ?? 20);
    let start = 0;
    const afterMs = req.query['startAfter'];
    const afterId = req.query['startAfterId'];
    if (!options.ignoreCursor && afterMs !== undefined && afterId !== undefined) {
      const ms = Number(afterMs);
      start = records.findIndex((r) => r.sort[0] < ms || (r.sort[0] === ms && r.sort[1] < afterId));
      if (start === -1) start = records.length;
    }
    const page = records.slice(start, start + limit);
    const last = page.at(-1);
    const more = start + limit < records.length && last !== undefined;
    let meta: Record<string, unknown>;
    if (more) {
      const cursor =
        options.repeatCursor && afterMs !== undefined && afterId !== undefined
          ? { startAfter: Number(afterMs), startAfterId: afterId }
          : { startAfter: last.sort[0], startAfterId: last.sort[1] };
      meta = {
        total: options.total ?? records.length,
        nextPageUrl: `http://fake/opportunities/search?location_id=${req.query['location_id']}&startAfter=${cursor.startAfter}&startAfterId=${cursor.startAfterId}`,
        ...cursor,
        currentPage: 1,
        nextPage: 2,
        prevPage: null,
      };
    } else {
      const sentinel = options.endSentinel ?? 'null';
      meta = { total: options.total ?? records.length, currentPage: 1, prevPage: null };
      if (sentinel === 'null')
        Object.assign(meta, { nextPageUrl: null, startAfterId: null, startAfter: null, nextPage: null });
      if (sentinel === 'empty') Object.assign(meta, { nextPageUrl: '', startAfterId: '', startAfter: '' });
    }
    return { status: 200, body: { opportunities: page, meta, aggregations: {}, traceId: `trace-${start}` } };
  };
}

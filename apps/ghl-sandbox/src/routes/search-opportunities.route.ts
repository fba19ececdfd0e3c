import type { FastifyInstance } from 'fastify';
import { forbiddenLocationBody, errorBodyForStatus, unprocessableBody } from '../errors.js';
import { answer, answerRaw, hang } from '../http/answer.js';
import { guardLocationRequest } from '../http/location-guard.js';
import type { ServerContext } from '../http/server-context.js';
import type { LocationRuntime } from '../location-runtime.js';
import { buildMeta } from '../search/build-meta.js';
import { buildSearchFilter, type SearchFilter } from '../search/search-filter.js';
import { parseSearchQuery, type SearchQuery } from '../search/search-query.js';
import { countMatches, pageIndexOf, readPage } from '../search/run-search.js';
import type { RecordView } from '../data/record-view.js';

const FAILURE_STATUSES = [500, 502, 503];

/** Filtered totals need a scan; cache them per filter and index state so paging stays cheap. */
function cachedTotal(runtime: LocationRuntime, view: RecordView, query: SearchQuery, filter: SearchFilter): number {
  if (filter.trivial) return view.size;
  const key = `${filter.signature}|${runtime.store.indexVersion}|${runtime.knobsVersion}`;
  const hit = runtime.totalCache.get(key);
  if (hit !== undefined) return hit;
  const total = countMatches(view, query, filter);
  if (runtime.totalCache.size >= 64) runtime.totalCache.clear();
  runtime.totalCache.set(key, total);
  return total;
}

/** `GET /opportunities/search` (ghl-api.md §1) with the search fault knobs. */
export function registerSearchOpportunitiesRoute(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/opportunities/search', async (request, reply) => {
    const runtime = await guardLocationRequest(ctx, request, reply);
    if (runtime === undefined) return reply;
    const parsed = parseSearchQuery(request.query as Record<string, unknown>);
    if ('errors' in parsed) return answer(ctx, reply, runtime, 422, unprocessableBody(parsed.errors));
    const query = parsed.ok;
    // Validation precedes the location check: a missing location_id is a 422 (ghl-api.md §1.1 [O S20]).
    if (query.locationId !== runtime.id) return answer(ctx, reply, runtime, 403, forbiddenLocationBody());
    const knobs = runtime.store.knobs;
    if (knobs.hangRate > 0 && runtime.knobPrng.next() < knobs.hangRate) return hang(ctx, reply, runtime);
    if (knobs.failureRate > 0 && runtime.knobPrng.next() < knobs.failureRate) {
      const status = runtime.knobPrng.pick(FAILURE_STATUSES);
      return answer(ctx, reply, runtime, status, errorBodyForStatus(status));
    }
    let view = runtime.store.searchView(Date.now());
    const filter = buildSearchFilter(query);
    const needsPageIndex =
      knobs.failPages.length > 0 ||
      knobs.stallCursorAfterPage !== null ||
      knobs.malformed?.pageIndex !== undefined ||
      knobs.updateOnPage !== null ||
      knobs.deleteOnPage !== null;
    const pageIndex = needsPageIndex ? pageIndexOf(view, query, filter) : 0;
    const scripted = knobs.updateOnPage;
    if (scripted !== null && scripted.pageIndex === pageIndex) {
      knobs.updateOnPage = null;
      runtime.store.update(scripted.id, scripted.patch, Date.now());
      view = runtime.store.searchView(Date.now());
    }
    const deleting = knobs.deleteOnPage;
    if (deleting !== null && deleting.pageIndex === pageIndex && (deleting.filtered !== true || !filter.trivial)) {
      knobs.deleteOnPage = null;
      runtime.store.delete(deleting.id, Date.now());
      view = runtime.store.searchView(Date.now());
    }
    const failing = knobs.failPages.find((p) => p.pageIndex === pageIndex && (p.times === undefined || p.times > 0));
    if (failing !== undefined) {
      if (failing.times !== undefined) failing.times -= 1;
      return answer(ctx, reply, runtime, failing.status, errorBodyForStatus(failing.status));
    }
    const broken = knobs.malformed;
    let malformedMode: string | undefined;
    if (
      broken !== null &&
      (broken.pageIndex === undefined || broken.pageIndex === pageIndex) &&
      (broken.times === undefined || broken.times > 0)
    ) {
      if (broken.times !== undefined) broken.times -= 1;
      malformedMode = broken.mode;
    }

    const page = readPage(view, query, filter);
    const stalled =
      knobs.stallCursorAfterPage !== null &&
      query.cursor !== undefined &&
      pageIndex >= Math.max(1, knobs.stallCursorAfterPage);
    const meta = buildMeta({
      query,
      knobs,
      total: cachedTotal(runtime, view, query, filter),
      nextKey: stalled ? query.cursor : page.lastKey,
      hasMore: stalled || page.hasMore,
      origin: `${request.protocol}://${request.host}`,
    });
    const body: Record<string, unknown> = { opportunities: page.records, meta, aggregations: {} };
    switch (malformedMode) {
      case 'invalid_json': {
        const text = JSON.stringify(body);
        return answerRaw(
          ctx,
          reply,
          runtime,
          200,
          'application/json; charset=utf-8',
          text.slice(0, Math.max(1, Math.floor(text.length / 2))),
        );
      }
      case 'html':
        return answerRaw(
          ctx,
          reply,
          runtime,
          200,
          'text/html; charset=utf-8',
          '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>cloudflare</center></body></html>',
        );
      case 'missing_meta':
        delete body['meta'];
        break;
      case 'missing_id': {
        const first = page.records[0];
        if (first !== undefined) delete first['id'];
        break;
      }
    }
    return answer(ctx, reply, runtime, 200, body);
  });
}

import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  authClassBody,
  badRequestBody,
  errorBodyForStatus,
  invalidJwtBody,
  invalidTokenBody,
  tooManyRequestsBody,
} from '../errors.js';
import type { LocationRuntime } from '../location-runtime.js';
import { answer } from './answer.js';
import type { ServerContext } from './server-context.js';

/** The only `Version` header value v2 opportunity endpoints accept (ghl-api.md §0 [C S1]). */
export const API_VERSION = '2021-07-28';

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * The common front half of every location-scoped endpoint, in this order: token (401), forced
 * status knob, daily and burst limits (429), `Version` header (400). Returns the location the
 * token belongs to, or undefined when an answer has already been sent.
 *
 * Rate-limit buckets are per token location (the "resource", ghl-api.md §4). Only requests that
 * pass the limiter consume budget; see SlidingWindowLimiter for why rejected ones do not.
 */
export async function guardLocationRequest(
  ctx: ServerContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<LocationRuntime | undefined> {
  const now = Date.now();
  const token = bearerToken(request.headers.authorization);
  const lookup = token === undefined ? ({ kind: 'unknown' } as const) : ctx.state.tokens.lookup(token, now);
  if (lookup.kind === 'company') {
    await answer(ctx, reply, undefined, 401, authClassBody());
    return undefined;
  }
  const runtime = lookup.kind === 'unknown' ? undefined : ctx.state.locations.get(lookup.locationId);
  if (runtime === undefined) {
    await answer(ctx, reply, undefined, 401, invalidTokenBody());
    return undefined;
  }
  runtime.stats.requests += 1;
  if (lookup.kind === 'expired') {
    await answer(ctx, reply, runtime, 401, invalidJwtBody());
    return undefined;
  }
  const knobs = runtime.store.knobs;
  if (knobs.forceStatus !== null && knobs.forceStatus.count > 0) {
    knobs.forceStatus.count -= 1;
    const retry = knobs.forceStatus.retryAfterSec;
    await answer(
      ctx,
      reply,
      runtime,
      knobs.forceStatus.status,
      errorBodyForStatus(knobs.forceStatus.status),
      retry === undefined ? {} : { 'Retry-After': String(retry) },
    );
    return undefined;
  }
  if (!runtime.daily.hasRoom(now)) {
    const retry: Record<string, string> = knobs.sendRetryAfter
      ? { 'Retry-After': String(Math.ceil(runtime.daily.msUntilReset(now) / 1000)) }
      : {};
    await answer(ctx, reply, runtime, 429, tooManyRequestsBody(), retry);
    return undefined;
  }
  if (!runtime.limiter.tryAcquire(now)) {
    const retry: Record<string, string> = knobs.sendRetryAfter
      ? { 'Retry-After': String(Math.max(1, Math.ceil(runtime.limiter.msUntilFree(now) / 1000))) }
      : {};
    await answer(ctx, reply, runtime, 429, tooManyRequestsBody(), retry);
    return undefined;
  }
  runtime.stats.accept(now);
  runtime.daily.consume(now);
  const version = request.headers['version'];
  if (version !== API_VERSION) {
    // The real message for a missing/unsupported Version header is unverified (ghl-api.md §0
    // only says the header is required); this wording is ours.
    const message =
      version === undefined
        ? `Version header is required (expected ${API_VERSION})`
        : `Unsupported Version header value "${String(version)}" (expected ${API_VERSION})`;
    await answer(ctx, reply, runtime, 400, badRequestBody(message));
    return undefined;
  }
  return runtime;
}

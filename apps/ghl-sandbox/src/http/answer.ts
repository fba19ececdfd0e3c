import type { FastifyReply } from 'fastify';
import type { LocationRuntime } from '../location-runtime.js';
import type { ServerContext } from './server-context.js';
import { setRateLimitHeaders } from './rate-limit-headers.js';
import { withTraceId } from './trace-id.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

/** Waits the `latencyMs` knob's delay: median ± uniform jitter, never negative. */
export async function applyLatency(runtime: LocationRuntime): Promise<void> {
  const latency = runtime.store.knobs.latencyMs;
  if (latency === null) return;
  const delay = latency.medianMs + (runtime.knobPrng.next() * 2 - 1) * latency.jitterMs;
  if (delay > 0) await sleep(delay);
}

/**
 * Sends a JSON answer from a GHL endpoint: latency knob, rate-limit headers (computed at send
 * time, so they reflect this request), `traceId`, and the per-status counter.
 */
export async function answer(
  ctx: ServerContext,
  reply: FastifyReply,
  runtime: LocationRuntime | undefined,
  status: number,
  body: object,
  headers: Record<string, string> = {},
): Promise<FastifyReply> {
  if (runtime !== undefined) {
    await applyLatency(runtime);
    runtime.stats.answered(status);
  }
  setRateLimitHeaders(reply, ctx.state.config, runtime, Date.now());
  for (const [name, value] of Object.entries(headers)) reply.header(name, value);
  return reply.code(status).send(withTraceId(body));
}

/**
 * Never answers: holds the socket for `hangMs`, then destroys it, as an upstream that stalls
 * until the client times out.
 */
export function hang(ctx: ServerContext, reply: FastifyReply, runtime: LocationRuntime): FastifyReply {
  runtime.stats.answered('hang');
  reply.hijack();
  const socket = reply.raw.socket ?? reply.request.raw.socket;
  const entry = {
    socket,
    timer: setTimeout(() => {
      ctx.hangs.delete(entry);
      socket.destroy();
    }, runtime.store.knobs.hangMs),
  };
  entry.timer.unref();
  ctx.hangs.add(entry);
  socket.once('close', () => {
    clearTimeout(entry.timer);
    ctx.hangs.delete(entry);
  });
  return reply;
}

/** Sends a non-JSON (or deliberately broken JSON) body with the same bookkeeping as {@link answer}. */
export async function answerRaw(
  ctx: ServerContext,
  reply: FastifyReply,
  runtime: LocationRuntime,
  status: number,
  contentType: string,
  text: string,
): Promise<FastifyReply> {
  await applyLatency(runtime);
  runtime.stats.answered(status);
  setRateLimitHeaders(reply, ctx.state.config, runtime, Date.now());
  return reply.code(status).type(contentType).send(text);
}

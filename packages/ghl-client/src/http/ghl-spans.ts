import { SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';

const tracer = trace.getTracer('@ghl-sync/ghl-client');

/**
 * Runs one logical GHL request (every attempt and retry of it) inside a client span
 * `ghl <endpoint>`; `fn` sets what it learns (attempts, status) on the span. Without a registered
 * tracer provider the span is a no-op.
 */
export function traceGhlRequest<T>(
  attributes: { endpoint: string; locationId: string; method: string; url: string },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(
    `ghl ${attributes.endpoint}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'ghl.endpoint': attributes.endpoint,
        'ghl.location_id': attributes.locationId,
        'http.request.method': attributes.method,
        'url.full': attributes.url,
      },
    },
    async (span) => {
      try {
        return await fn(span);
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        const code = (err as { code?: unknown }).code;
        if (typeof code === 'string') span.setAttribute('error.type', code);
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

/**
 * The wait for the location's rate budget before one attempt, as its own span
 * `ghl.rate_limit_wait` under the request's: how long a request queued for the budget, apart from
 * how long GHL took to answer it.
 */
export function traceRateLimitWait(locationId: string, wait: () => Promise<void>): Promise<void> {
  return tracer.startActiveSpan(
    'ghl.rate_limit_wait',
    { attributes: { 'ghl.location_id': locationId } },
    async (span) => {
      try {
        await wait();
      } catch (err) {
        // The budget refused (wait over the cap, daily quota spent): the job is delayed, not failed.
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

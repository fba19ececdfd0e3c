import { SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';

const tracer = trace.getTracer('@ghl-sync/db');

/** What a statement span says about where it ran. */
export interface StatementTarget {
  /** The database name (`db.namespace`). */
  database: string;
}

/**
 * Runs one SQL statement inside a client span named after its operation (`INSERT`, `WITH`, …),
 * with OpenTelemetry's database attributes: the statement text (parameters never: they may hold
 * tokens and customer records), the rows it returned or touched, and the SQLSTATE of a failure.
 * Without a registered tracer provider the span is a no-op.
 */
export async function traceStatement<T extends { rowCount: number | null }>(
  target: StatementTarget,
  text: string,
  run: () => Promise<T>,
): Promise<T> {
  const operation = /^\s*([A-Za-z]+)/.exec(text)?.[1]?.toUpperCase() ?? 'QUERY';
  return tracer.startActiveSpan(
    operation,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'db.system.name': 'postgresql',
        'db.namespace': target.database,
        'db.operation.name': operation,
        'db.query.text': text.trim(),
      },
    },
    async (span: Span) => {
      try {
        const result = await run();
        if (result.rowCount !== null) span.setAttribute('db.response.returned_rows', result.rowCount);
        return result;
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (typeof code === 'string') span.setAttribute('db.response.status_code', code);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

import pino from 'pino';

/**
 * Keys of an HTTP client error that carry the request as sent and the answer as received: axios
 * puts the request headers (`Authorization: Bearer <token>`) in `config.headers`, the raw socket
 * and its headers in `request`, and the whole answer (cookies, body) in `response`. They sit
 * deeper than any redaction path reaches, so the serializer drops them instead.
 */
const TRANSPORT_KEYS = ['config', 'request', 'response'] as const;

/** How deep `cause` chains are followed; an error chain longer than this is a loop or a bug. */
const MAX_CAUSE_DEPTH = 5;

function strip(serialized: Record<string, unknown>, original: unknown, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = { ...serialized };
  const status = (original as { response?: { status?: unknown } } | null)?.response?.status;
  for (const key of TRANSPORT_KEYS) delete out[key];
  // What the answer said is still worth knowing; only the status, which holds no secret.
  if (typeof status === 'number' && out['status'] === undefined) out['status'] = status;
  const cause = out['cause'];
  if (depth < MAX_CAUSE_DEPTH && cause !== null && typeof cause === 'object') {
    out['cause'] = strip(cause as Record<string, unknown>, (original as { cause?: unknown } | null)?.cause, depth + 1);
  }
  return out;
}

/**
 * pino's `err` serializer without the transport objects of HTTP client errors (`config`,
 * `request`, `response`, at any level of the `cause` chain): logging a raw AxiosError would
 * otherwise print the request's `Authorization` header four levels deep. Keeps the message,
 * stack, code, the answer's HTTP `status` and every other own property.
 */
export function serializeError(err: unknown): unknown {
  if (err === null || typeof err !== 'object') return err;
  const serialized = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
  return strip(serialized, err, 0);
}

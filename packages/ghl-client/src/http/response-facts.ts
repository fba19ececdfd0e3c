import type { AxiosResponse } from 'axios';

/** All response headers as a plain object with lower-cased names (arrays joined with ", "). */
export function lowerCaseHeaders(headers: AxiosResponse['headers'] | undefined): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  if (headers == null) return out;
  const plain: Record<string, unknown> =
    typeof (headers as { toJSON?: unknown }).toJSON === 'function'
      ? (headers as { toJSON(): Record<string, unknown> }).toJSON()
      : (headers as Record<string, unknown>);
  for (const [name, value] of Object.entries(plain)) {
    if (value == null) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

/**
 * Only the headers a rate gate needs (`x-ratelimit-*`, `retry-after`, ghl-api.md §4): the gate is fed
 * nothing else (no cookies, no echoed request data).
 */
export function rateLimitHeaders(headers: Record<string, string | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-ratelimit-') || name === 'retry-after') out[name] = value;
  }
  return out;
}

/** True for a non-null, non-array object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * GHL's error message from a body: `message` (string, or string[] for 422 — ghl-api.md §3), else the
 * OAuth-style `error_description` / `error`. Truncated to 500 characters.
 */
export function bodyMessage(body: unknown): string | undefined {
  if (!isRecord(body)) return undefined;
  const raw = body['message'] ?? body['error_description'] ?? body['error'];
  let text: string | undefined;
  if (typeof raw === 'string') text = raw;
  else if (Array.isArray(raw)) text = raw.filter((m) => typeof m === 'string').join('; ');
  return text === undefined ? undefined : text.slice(0, 500);
}

/** The `traceId` GHL puts in every body (ghl-api.md §0, observed top-level). */
export function bodyTraceId(body: unknown): string | undefined {
  return isRecord(body) && typeof body['traceId'] === 'string' ? body['traceId'] : undefined;
}

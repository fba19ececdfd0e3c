import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { GhlSyncError } from '@ghl-sync/errors';
import type { UpstreamExport } from '@ghl-sync/sync';

/** Where the sandbox export is and how to reach it. */
export interface HttpSandboxExportOptions {
  /** GHL_BASE_URL: the sandbox's root URL. */
  baseUrl: string;
  /** Bearer token of the sandbox's `/_sandbox` admin surface. */
  adminToken: string;
  /** Cap on the wait for the answer's headers, in ms (the body streams as long as it takes). */
  timeoutMs: number;
}

/**
 * An {@link UpstreamExport} read over HTTP from ghl-sandbox's admin export
 * (`GET /_sandbox/locations/:id/opportunities`, NDJSON, apps/ghl-sandbox/README.md): the only
 * source with the whole true state of a location. The body is read as the consumer pulls, so
 * memory holds one network chunk and the consumer's batch, whatever the location's size.
 * @throws GhlSyncError `location_not_found` when the sandbox does not have the location;
 *   `not_a_sandbox` on another 404 (no such route: the real GHL API or another server) or 401/403
 *   (admin token refused);
 *   `ghl_network_error` when the URL cannot be reached; `ghl_invalid_response` on any other status
 *   or a line that is not a JSON object.
 */
export function httpSandboxExport(options: HttpSandboxExportOptions): UpstreamExport {
  return {
    admin: {
      exportOpportunities: (locationId) => readExport(options, locationId),
    },
  };
}

async function* readExport(
  { baseUrl, adminToken, timeoutMs }: HttpSandboxExportOptions,
  locationId: string,
): AsyncGenerator<Record<string, unknown>> {
  const url = new URL(`_sandbox/locations/${encodeURIComponent(locationId)}/opportunities`, withSlash(baseUrl));
  const headersDue = new AbortController();
  const timer = setTimeout(() => headersDue.abort(), timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, { headers: { authorization: `Bearer ${adminToken}` }, signal: headersDue.signal });
  } catch (err) {
    const why = headersDue.signal.aborted ? `no answer within ${timeoutMs} ms` : causeText(err);
    throw new GhlSyncError('ghl_network_error', `GET ${url.origin}${url.pathname}: ${why}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
  if (response.status === 404 || response.status === 401 || response.status === 403) {
    // The sandbox answers a location it does not have with 404 and says so in its body.
    const text = response.status === 404 ? await response.text().catch(() => '') : '';
    if (response.status !== 404) await response.body?.cancel().catch(() => undefined);
    if (/unknown location/i.test(text))
      throw new GhlSyncError('location_not_found', `the sandbox at ${url.origin} has no location ${locationId}`);
    throw new GhlSyncError(
      'not_a_sandbox',
      response.status === 404
        ? `${url.origin} has no sandbox export (404 on ${url.pathname}): GHL_BASE_URL must point at ghl-sandbox`
        : `${url.origin} refused the sandbox admin token (${response.status}): pass the sandbox's --admin-token`,
      { details: { status: response.status } },
    );
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new GhlSyncError('ghl_invalid_response', `GET ${url.pathname} answered ${response.status}`, {
      details: { status: response.status },
    });
  }
  let lineNo = 0;
  const parse = (line: string): Record<string, unknown> => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      value = undefined;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new GhlSyncError('ghl_invalid_response', `line ${lineNo} of the sandbox export is not a JSON object`);
    return value as Record<string, unknown>;
  };
  const lines = createInterface({ input: Readable.fromWeb(response.body as WebReadableStream), crlfDelay: Infinity });
  for await (const line of lines) {
    lineNo += 1;
    if (line.trim() !== '') yield parse(line);
  }
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

// undici's "fetch failed" hides the reason (ECONNREFUSED, ENOTFOUND) in `cause`.
function causeText(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}

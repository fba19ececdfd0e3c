import type { Sandbox } from '../start-sandbox.js';

/** A parsed answer of the sandbox, for tests. */
export interface TestResponse {
  status: number;
  headers: Headers;
  body: any; // tests poke at raw JSON
  text: string;
}

/** GET a GHL endpoint with a token and the Version header (both overridable). */
export async function ghlGet(
  sandbox: Sandbox,
  path: string,
  token: string | undefined,
  headers: Record<string, string> = {},
): Promise<TestResponse> {
  const response = await fetch(`${sandbox.url}${path}`, {
    headers: {
      ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
      Version: '2021-07-28',
      Accept: 'application/json',
      ...headers,
    },
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body, text };
}

/** Builds a search path from params. */
export function searchPath(params: Record<string, string | number>): string {
  return `/opportunities/search?${new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString()}`;
}

/** Calls the admin surface. */
export async function adminCall(
  sandbox: Sandbox,
  method: string,
  path: string,
  body?: unknown,
  token = sandbox.adminToken,
): Promise<TestResponse> {
  const response = await fetch(`${sandbox.url}/_sandbox${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

/** Walks every page of a search by cursor; returns all records in order and the pages' metas. */
export async function walkAll(
  sandbox: Sandbox,
  locationId: string,
  token: string,
  extra: Record<string, string | number> = {},
  maxPages = 10_000,
): Promise<{ records: any[]; metas: any[] }> {
  const records: any[] = [];
  const metas: any[] = [];
  let cursor: Record<string, string> = {};
  for (let page = 0; page < maxPages; page += 1) {
    const res = await ghlGet(
      sandbox,
      searchPath({ location_id: locationId, status: 'all', ...extra, ...cursor }),
      token,
    );
    if (res.status !== 200) throw new Error(`page ${page}: ${res.status} ${res.text}`);
    records.push(...res.body.opportunities);
    metas.push(res.body.meta);
    if (!res.body.meta.nextPageUrl) break;
    cursor = { startAfter: String(res.body.meta.startAfter), startAfterId: res.body.meta.startAfterId };
  }
  return { records, metas };
}

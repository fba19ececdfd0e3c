import axios, { type AxiosInstance } from 'axios';

/** One search page as the seed script read it. */
export interface SeedPage {
  opportunities: Array<Record<string, unknown>>;
  startAfter: number | null;
  startAfterId: string | null;
}

/** An axios client for the GHL search endpoint with the location's token. */
export function createSeedHttp(baseUrl: string, token: string): AxiosInstance {
  return axios.create({
    baseURL: baseUrl,
    timeout: 30_000,
    headers: { Authorization: `Bearer ${token}`, Version: '2021-07-28', Accept: 'application/json' },
  });
}

/**
 * Fetches one page. The seed script's own retry: on a 429 wait 10 s and try again (at most 5
 * times); anything else throws.
 */
export async function fetchSeedPage(
  http: AxiosInstance,
  params: { locationId: string; limit: number; page?: number; cursor?: { startAfter: number; startAfterId: string } },
  onRequest: () => void,
): Promise<SeedPage> {
  const query: Record<string, string> = { location_id: params.locationId, limit: String(params.limit) };
  if (params.page !== undefined) query['page'] = String(params.page);
  if (params.cursor) {
    query['startAfter'] = String(params.cursor.startAfter);
    query['startAfterId'] = params.cursor.startAfterId;
  }
  for (let attempt = 1; ; attempt++) {
    onRequest();
    const res = await http.get('/opportunities/search', { params: query, validateStatus: () => true });
    if (res.status === 429 && attempt < 5) {
      await new Promise((r) => setTimeout(r, 10_000));
      continue;
    }
    if (res.status !== 200) throw new Error(`search answered ${res.status}: ${JSON.stringify(res.data).slice(0, 200)}`);
    const meta = (res.data.meta ?? {}) as Record<string, unknown>;
    return {
      opportunities: (res.data.opportunities ?? []) as Array<Record<string, unknown>>,
      startAfter: typeof meta['startAfter'] === 'number' ? meta['startAfter'] : null,
      startAfterId:
        typeof meta['startAfterId'] === 'string' && meta['startAfterId'] !== '' ? meta['startAfterId'] : null,
    };
  }
}

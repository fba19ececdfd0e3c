import { GHL_API_VERSION } from '../constants.js';
import type { GhlRequestEvent } from '../ghl-client-options.js';
import { isRecord } from '../http/response-facts.js';
import { invalidOAuthBody, postOAuth } from './post-oauth.js';

/** Options of {@link listInstalledLocations}. */
export interface ListInstalledLocationsOptions {
  /** API root. @defaultValue 'https://services.leadconnectorhq.com' (ghl-api.md §0) */
  baseUrl?: string;
  /** The agency's Company access token. Never logged or put in an error. */
  companyToken: string;
  companyId: string;
  /** The marketplace app's id. */
  appId: string;
  /** Locations asked for per request. @defaultValue 100 */
  pageSize?: number;
  /** @defaultValue 30_000 */
  timeoutMs?: number;
  onRequest?: (event: GhlRequestEvent) => void;
}

/** The agency's locations that have the app, and whether new locations get it too. */
export interface InstalledLocations {
  locations: Array<{ id: string; name: string | null }>;
  installToFutureLocations: boolean;
}

/**
 * Every location of the agency the app is installed on: `GET /oauth/installedLocations?companyId&appId&isInstalled=true`
 * with the Company token and `Version`, paged with `skip`/`limit` until a short page (ghl-api.md §5.2).
 * @throws GhlSyncError `oauth_mint_refused` on 400/401 (`details.status` 401: the Company token was
 *   refused); `ghl_invalid_response` without a `locations` array; otherwise the codes of RETRY_POLICY.
 */
export async function listInstalledLocations(options: ListInstalledLocationsOptions): Promise<InstalledLocations> {
  const pageSize = options.pageSize ?? 100;
  const result: InstalledLocations = { locations: [], installToFutureLocations: false };
  for (let skip = 0; ; skip += pageSize) {
    const query = new URLSearchParams({
      companyId: options.companyId,
      appId: options.appId,
      isInstalled: 'true',
      skip: String(skip),
      limit: String(pageSize),
    });
    const { data } = await postOAuth({
      endpoint: 'oauth_installed_locations',
      baseUrl: options.baseUrl,
      method: 'GET',
      path: `/oauth/installedLocations?${query.toString()}`,
      headers: { Authorization: `Bearer ${options.companyToken}`, Version: GHL_API_VERSION },
      timeoutMs: options.timeoutMs,
      refusedCode: 'oauth_mint_refused',
      what: 'the installed locations',
      onRequest: options.onRequest,
    });
    const page = isRecord(data) ? data['locations'] : undefined;
    if (!Array.isArray(page)) throw invalidOAuthBody('oauth_installed_locations', 'locations', data);
    for (const entry of page) {
      if (!isRecord(entry) || typeof entry['_id'] !== 'string') continue;
      // `isInstalled=true` filters already; an entry saying otherwise is not taken as installed.
      if (entry['isInstalled'] === false) continue;
      result.locations.push({ id: entry['_id'], name: typeof entry['name'] === 'string' ? entry['name'] : null });
    }
    if (isRecord(data) && data['installToFutureLocations'] === true) result.installToFutureLocations = true;
    if (page.length < pageSize) return result;
  }
}

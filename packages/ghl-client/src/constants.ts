/**
 * Production base URL of the HighLevel API v2.
 * Source: ghl-api.md §0 (OpenAPI `servers`, confirmed).
 */
export const GHL_DEFAULT_BASE_URL = 'https://services.leadconnectorhq.com';

/**
 * Value of the `Version` header every v2 opportunity endpoint requires; the spec's enum has only this value.
 * Source: ghl-api.md §0 (confirmed). Not sent to `/oauth/token`, whose spec has no Version parameter (§5.1).
 */
export const GHL_API_VERSION = '2021-07-28';

/**
 * Largest `limit` the search endpoint accepts ("maximum up to 100", ghl-api.md §1.1, confirmed).
 */
export const GHL_MAX_SEARCH_LIMIT = 100;

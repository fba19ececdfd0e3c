// Public API of @ghl-sync/ghl-client. Other packages depend on exactly these names and shapes.
export type { GhlCursor } from './ghl-cursor.js';
export type {
  GhlClientLogger,
  GhlClientOptions,
  GhlRequestEvent,
  RequestGate,
  TokenProvider,
} from './ghl-client-options.js';
export { GHL_CLIENT_DEFAULTS } from './ghl-client-options.js';
export type {
  GhlClient,
  GhlPipelinesResult,
  SearchOpportunitiesPage,
  SearchOpportunitiesParams,
} from './ghl-client.js';
export { createGhlClient } from './create-ghl-client.js';
export type { GetOpportunityResult } from './get-opportunity.js';
export {
  isLastPage,
  iterateOpportunityPages,
  type IterateOpportunityPagesOptions,
} from './iterate-opportunity-pages.js';
export { refreshOAuthToken, type RefreshedOAuthToken, type RefreshOAuthTokenOptions } from './refresh-oauth-token.js';
export {
  exchangeAuthorizationCode,
  type ExchangeAuthorizationCodeOptions,
} from './oauth/exchange-authorization-code.js';
export { reconnectOAuth, type ReconnectOAuthOptions } from './oauth/reconnect-oauth.js';
export { provesNotProcessed } from './oauth/post-oauth.js';
export type { OAuthTokenAnswer } from './oauth/parse-token-answer.js';
export { compareKeys, opportunityKey } from './opportunity-key.js';
export { usableOpportunityId } from './opportunity-id.js';
export { opportunitySchemaIssues, type RecordIssue } from './opportunity-schema-issues.js';
export { RETRY_POLICY, type FailureKind, type RetryBudget, type RetryRule } from './retry-policy.js';
export {
  dailyQuotaWaitMs,
  msUntilNextUtcMidnight,
  parseRetryAfter,
  rateLimitWaitMs,
  readRateLimitHeaders,
  type RateLimitFacts,
  type ResponseHeaders,
} from './rate-limit-headers.js';
export { GHL_API_VERSION, GHL_DEFAULT_BASE_URL, GHL_MAX_SEARCH_LIMIT } from './constants.js';
export { GhlContact } from './schemas/contact.schema.js';
export { GhlCustomFieldValue, GhlOpportunity } from './schemas/opportunity.schema.js';
export { GhlPipeline, GhlPipelineStage } from './schemas/pipeline.schema.js';
export { GhlSearchMeta } from './schemas/search-response.schema.js';
export {
  mintLocationToken,
  type MintedLocationToken,
  type MintLocationTokenOptions,
} from './oauth/mint-location-token.js';
export {
  listInstalledLocations,
  type InstalledLocations,
  type ListInstalledLocationsOptions,
} from './oauth/list-installed-locations.js';

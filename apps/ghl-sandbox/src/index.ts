export { startSandbox, type Sandbox } from './start-sandbox.js';
export type { SandboxLocationSpec, SandboxLogger, SandboxOptions } from './sandbox-options.js';
export type {
  SandboxAdmin,
  SandboxLocationInfo,
  OAuthInstallOptions,
  InstallAppOptions,
} from './admin/sandbox-admin.js';
export type { AuthorizeRequest, AuthorizeResult } from './auth/authorize.js';
export type { MutateRequest, MutateResult } from './data/location-store.js';
export type { OpportunityRecord } from './data/opportunity-record.js';
export type { Pipeline, PipelineStage } from './data/location-profile.js';
export type { SandboxKnobs } from './knobs.js';
export { defaultKnobs } from './knobs.js';
export type { LocationStats } from './stats.js';
export type { OAuthInstall } from './auth/token-registry.js';
export { SandboxAdminError } from './sandbox-state.js';
export type { WebhookSettings } from './webhooks/webhook-settings.js';
export { defaultWebhookSettings } from './webhooks/webhook-settings.js';
export type { WebhookStats } from './webhooks/webhook-stats.js';
export type { WebhookPublicKeys } from './webhooks/webhook-key-pairs.js';
export { GHL_WEBHOOK_MAX_RETRIES, GHL_WEBHOOK_RETRY_INTERVAL_MS } from './webhooks/webhook-dispatcher.js';

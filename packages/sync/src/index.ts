export type { ClientForOptions, JobContext, SyncDeps, SyncLogger } from './sync-deps.js';
export { runCoordinator, type CoordinatorResult } from './run-coordinator.js';
export { processPage, type PageResult } from './process-page.js';
export { processFinalizeJob } from './finalize-job.processor.js';
export { processRecord, type RecordResult } from './apply-record.js';
export * from './runs/index.js';
export { checkSweepGuards, type SweepGuardInput, type SweepVerdict } from './sweep-guard.js';
export {
  normalizeOpportunity,
  parseMoney,
  parseTimestamp,
  type NormalizedOpportunity,
} from './normalize-opportunity.js';
export { dedupeById, type DedupeResult } from './dedupe-page.js';
export { sanitizeJson } from './sanitize-json.js';
export { createClientFactory, type ClientFactoryOptions } from './create-client-factory.js';
export { applySchedule, reconcileSchedules } from './reconcile-schedules.js';
export { recoverRuns, type RecoverRunsOptions, type RecoveryResult } from './recover-runs.js';
export {
  createOAuthTokenProvider,
  type OAuthTokenProviderOptions,
  type OAuthTokenEventKind,
} from './create-oauth-token-provider.js';
export { waitForRun, type WaitForRunOptions } from './wait-for-run.js';
export { compareWithSandbox, type CompareResult, type UpstreamExport } from './compare-with-sandbox.js';
export { validateSchedule } from './validate-schedule.js';
export * from './locations/index.js';
export {
  checkLocationToken,
  type CheckLocationTokenOptions,
  type CheckLocationTokenResult,
} from './check-location-token.js';
export {
  createAgencyTokens,
  type AgencyTokenEventKind,
  type AgencyTokens,
  type AgencyTokensOptions,
} from './oauth/agency-tokens.js';
export {
  reconcileAgency,
  appIdRequired,
  type ReconcileAgencyDeps,
  type ReconcileAgencyResult,
} from './agencies/reconcile-agency.js';
export * from './installs/index.js';
export { resolveOAuthLockSettings, type OAuthLockSettings } from './oauth/oauth-lock-settings.js';

// The run lifecycle: every place that starts, resumes or ends a run goes through these functions.
// Exported on its own (`@ghl-sync/sync/runs`) so the API can start runs without loading the sync
// engine (GHL client, rate limiter): this module only touches Postgres and the queue producers.
export type { RunLifecycleDeps } from './run-lifecycle-deps.js';
export { requireSyncableLocation } from './require-syncable-location.js';
export { openRun, type OpenRunInput } from './open-run.js';
export { startRun, type StartRunInput, type StartedRun } from './start-run.js';
export { resumeRun, type ResumedRun } from './resume-run.js';
export { finishRun } from './finish-run.js';
export { failRunForJob, type FailedCoordinatorJob } from './fail-run-for-job.js';

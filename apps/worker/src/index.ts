export { createSyncRuntime, startWorker, type RunningWorker, type SyncRuntime } from './start-worker.js';
export { createWorkers, type CreateWorkersOptions, type Workers } from './create-workers.js';
export { handleJobError, type HandleJobErrorOptions } from './handle-job-error.js';

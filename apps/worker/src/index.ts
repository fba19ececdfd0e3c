export { createSyncRuntime, startWorker, type RunningWorker, type SyncRuntime } from './start-worker.js';
export { createSyncHandlers, type SyncHandlersOptions } from './sync-handlers.js';
export { runWorkerProcess } from './run-worker-process.js';

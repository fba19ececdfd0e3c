export { installGracefulShutdown, registryOf, type GracefulShutdownOptions } from './graceful-shutdown.js';
export {
  createShutdownRegistry,
  type Closer,
  type LifecycleLogger,
  type ShutdownRegistry,
} from './shutdown-registry.js';
export { reportFatal, flushLogger, type FatalLogger } from './report-fatal.js';
export {
  runProcess,
  type ProcessContext,
  type ProcessLogger,
  type RunProcessOptions,
  type StartedProcess,
} from './run-process.js';
export {
  createDependencyErrorReporter,
  type Dependency,
  type DependencyErrorCounter,
  type DependencyErrorLogger,
  type ReportDependencyError,
} from './dependency-errors.js';

export { createLogger, silentLogger, type CreateLoggerOptions, type Logger } from './create-logger.js';
export { REDACT_PATHS } from './redact-paths.js';
export { serializeError } from './serialize-error.js';

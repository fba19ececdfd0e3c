export { ERROR_CODES, isErrorCode, type ErrorCode } from './error-codes.js';
export { GhlSyncError, isConnectionLoss, isGhlSyncError, type GhlSyncErrorOptions } from './ghl-sync-error.js';

export { createApi } from './create-api.js';
export type { CreateApiOptions } from './create-api-options.js';
export { startApi, type ApiConfig } from './start-api.js';
export type { RunningApi, StartApiOptions } from './start-api-options.js';
export { errorResponse, type ApiErrorBody } from './http/error-response.js';
export { registeredRoutes, type RouteSummary } from './route-catalog.js';
export { OPENAPI_DOCUMENT } from './openapi/openapi-document.js';
export { runApiProcess } from './run-api-process.js';

import type { FastifyError, FastifyInstance } from 'fastify';
import { isGhlSyncError } from '@ghl-sync/errors';
import { errorResponse } from './error-response.js';
import { statusForError } from './status-for-error.js';

/**
 * Routes every thrown error and every unknown route through {@link errorResponse}. Messages of
 * unexpected errors are not echoed to the caller (they may hold SQL or hostnames); they are logged.
 */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (isGhlSyncError(err)) {
      const status = statusForError(err.code);
      if (status >= 500) request.log.error({ err }, 'request failed');
      // run_already_active carries the id at the top of `error` as well: clients act on it.
      const extra = err.code === 'run_already_active' ? { activeRunId: err.details['activeRunId'] ?? null } : undefined;
      return errorResponse(reply, status, err.code, err.message, {
        details: status >= 500 ? undefined : err.details,
        extra,
      });
    }
    // fastify's own 4xx (malformed JSON, body too large, unsupported media type) are the caller's.
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return errorResponse(reply, err.statusCode, 'invalid_argument', err.message, {
        details: { fastifyCode: err.code },
      });
    }
    request.log.error({ err }, 'request failed');
    return errorResponse(reply, 500, 'internal_error', 'Internal error; see the API logs for this request id', {
      details: { requestId: request.id },
    });
  });
  app.setNotFoundHandler((request, reply) =>
    errorResponse(reply, 404, 'not_found', `No route ${request.method} ${request.url.split('?')[0]}`),
  );
}

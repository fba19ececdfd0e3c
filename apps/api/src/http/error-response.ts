import type { FastifyReply } from 'fastify';
import type { ErrorCode } from '@ghl-sync/errors';

/** The one shape of every error body the admin API sends. */
export interface ApiErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    details?: Record<string, unknown>;
  };
}

/**
 * Sends `{ error: { code, message, details? } }` with `status`. Every error the API answers goes
 * through here (handlers, the auth hook, the error and not-found handlers), so the shape cannot drift.
 * Extra top-level `error` fields (e.g. `activeRunId` on a 409) are merged in via `extra`.
 *
 * @returns the reply, so handlers and hooks can `return errorResponse(...)`.
 */
export function errorResponse(
  reply: FastifyReply,
  status: number,
  code: ErrorCode,
  message: string,
  options: { details?: Record<string, unknown>; extra?: Record<string, unknown> } = {},
): FastifyReply {
  const body = {
    error: { code, message, ...options.extra, ...(options.details === undefined ? {} : { details: options.details }) },
  };
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

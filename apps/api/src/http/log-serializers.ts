import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * What a request log line may say about a request. Headers are never included: the admin
 * credential travels in `Authorization`. The query string is cut off as well; none of ours carry
 * secrets, but a caller might paste one there.
 */
export function serializeRequest(request: FastifyRequest): Record<string, unknown> {
  return { method: request.method, url: request.url.split('?')[0], remoteAddress: request.ip };
}

/** What a response log line says: the status only. */
export function serializeReply(reply: FastifyReply): Record<string, unknown> {
  return { statusCode: reply.statusCode };
}

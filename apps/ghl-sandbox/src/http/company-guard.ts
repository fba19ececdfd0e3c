import type { FastifyReply, FastifyRequest } from 'fastify';
import { badRequestBody, invalidJwtBody, invalidTokenBody } from '../errors.js';
import { API_VERSION } from './location-guard.js';
import type { ServerContext } from './server-context.js';
import { withTraceId } from './trace-id.js';

/**
 * Front half of the agency-only OAuth endpoints (`/oauth/locationToken`,
 * `/oauth/installedLocations`, ghl-api.md §5.2): a live Company token (401 otherwise; a Location
 * token or PIT gets the authClass message, ghl-api.md §3) and the `Version` header (400).
 * @returns the token's company id, or undefined when an answer has been sent.
 */
export async function guardCompanyRequest(
  ctx: ServerContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<string | undefined> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  const lookup =
    match?.[1] === undefined ? ({ kind: 'unknown' } as const) : ctx.state.tokens.lookup(match[1], Date.now());
  if (lookup.kind !== 'company') {
    const body =
      lookup.kind === 'unknown'
        ? invalidTokenBody()
        : {
            statusCode: 401,
            message: 'This authClass type is not allowed to access this scope.',
            error: 'Unauthorized',
          };
    await reply.code(401).send(withTraceId(body));
    return undefined;
  }
  if (lookup.expired) {
    await reply.code(401).send(withTraceId(invalidJwtBody()));
    return undefined;
  }
  if (request.headers['version'] !== API_VERSION) {
    await reply.code(400).send(withTraceId(badRequestBody(`Version header is required (expected ${API_VERSION})`)));
    return undefined;
  }
  return lookup.companyId;
}

import { isGhlSyncError } from '@ghl-sync/errors';
import type { GhlHttp } from './http/create-ghl-http.js';
import { bodyTraceId, isRecord } from './http/response-facts.js';
import type { GhlOpportunity } from './schemas/opportunity.schema.js';

/** Result of {@link GhlClient.getOpportunity}. */
export type GetOpportunityResult =
  | {
      found: true;
      /** The record exactly as received (unknown fields kept, values not coerced, checked by the normaliser). */
      opportunity: GhlOpportunity;
      /** Top-level `traceId` of the answer (ghl-api.md §0). */
      traceId?: string;
      /** HTTP attempts this call used (retries included). */
      attempts: number;
    }
  | {
      found: false;
      /** The status GHL answered the missing record with (404, or 400 "… not found"). */
      status: number;
      attempts: number;
    };

/** Envelope of `GET /opportunities/{id}`: `{ opportunity: object }` (`GetPostOpportunitySuccessfulResponseDto`). */
function checkOpportunityEnvelope(body: unknown): string | null {
  if (typeof body === 'string') return `body is not JSON (${body.length} chars)`;
  if (!isRecord(body)) return 'body is not an object';
  if (!isRecord(body['opportunity'])) return '`opportunity` is missing or not an object';
  return null;
}

/**
 * Whether a failed GET by id means "no such record". A 404 always does. The official file documents
 * only 400/401/422 for this operation and the real answer for a deleted id is not public
 * (ghl-api.md §2.3, §3), so a 400 whose message says "not found" counts too; any other 400 (a wrong
 * Version header, say) stays an error.
 */
function notFoundStatus(err: unknown): number | undefined {
  if (!isGhlSyncError(err)) return undefined;
  const status = err.details['status'];
  if (err.code === 'ghl_not_found') return typeof status === 'number' ? status : 404;
  const message = err.details['ghlMessage'];
  if (err.code === 'ghl_bad_request' && status === 400 && typeof message === 'string' && /not found/i.test(message))
    return 400;
  return undefined;
}

/**
 * `GET /opportunities/{id}` (operationId `get-opportunity`, ghl-api.md §2.3) through the client's
 * gate, auth and retries. A missing (unknown or deleted) record is a result, not an error.
 *
 * @throws GhlSyncError `invalid_argument` for an empty id; else the codes of RETRY_POLICY.
 */
export async function getOpportunity(http: GhlHttp, id: string): Promise<GetOpportunityResult> {
  let result;
  try {
    result = await http.request(
      'opportunity',
      { method: 'GET', url: `/opportunities/${encodeURIComponent(id)}` },
      checkOpportunityEnvelope,
    );
  } catch (err) {
    const status = notFoundStatus(err);
    if (status === undefined) throw err;
    const attempts = isGhlSyncError(err) ? Number(err.details['attempts'] ?? 1) : 1;
    return { found: false, status, attempts };
  }
  const body = result.data as { opportunity: Record<string, unknown> };
  const traceId = bodyTraceId(body);
  return {
    found: true,
    opportunity: body.opportunity as GhlOpportunity,
    ...(traceId !== undefined && { traceId }),
    attempts: result.attempts,
  };
}

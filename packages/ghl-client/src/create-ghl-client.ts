import { GhlSyncError } from '@ghl-sync/errors';
import { GHL_DEFAULT_BASE_URL, GHL_MAX_SEARCH_LIMIT } from './constants.js';
import type {
  GhlClient,
  GhlPipelinesResult,
  SearchOpportunitiesParams,
  SearchOpportunitiesPage,
} from './ghl-client.js';
import { GHL_CLIENT_DEFAULTS, SILENT_LOGGER, type GhlClientOptions } from './ghl-client-options.js';
import { getOpportunity } from './get-opportunity.js';
import { createGhlHttp } from './http/create-ghl-http.js';
import { bodyTraceId, isRecord } from './http/response-facts.js';
import { usableOpportunityId } from './opportunity-id.js';
import { checkSearchEnvelope, nextCursorFromMeta } from './parse-search-page.js';
import type { GhlOpportunity } from './schemas/opportunity.schema.js';
import { GhlPipeline } from './schemas/pipeline.schema.js';
import { GhlSearchMeta } from './schemas/search-response.schema.js';

/**
 * Creates a HighLevel API v2 client for one location.
 *
 * Every request carries `Authorization: Bearer <token>`, `Version: 2021-07-28` and `Accept: application/json`
 * (ghl-api.md §0); retries follow RETRY_POLICY; the gate (if any) is consulted before every attempt.
 *
 * @throws GhlSyncError `invalid_argument` when a numeric option is out of range or `locationId` is empty.
 */
export function createGhlClient(options: GhlClientOptions): GhlClient {
  const settings = {
    baseUrl: (options.baseUrl ?? GHL_DEFAULT_BASE_URL).replace(/\/+$/, ''),
    locationId: options.locationId,
    auth: options.auth,
    timeoutMs: options.timeoutMs ?? GHL_CLIENT_DEFAULTS.timeoutMs,
    maxAttempts: options.maxAttempts ?? GHL_CLIENT_DEFAULTS.maxAttempts,
    backoffBaseMs: options.backoffBaseMs ?? GHL_CLIENT_DEFAULTS.backoffBaseMs,
    backoffMaxMs: options.backoffMaxMs ?? GHL_CLIENT_DEFAULTS.backoffMaxMs,
    maxRateLimitAttempts: options.maxRateLimitAttempts ?? GHL_CLIENT_DEFAULTS.maxRateLimitAttempts,
    gate: options.gate,
    logger: options.logger ?? SILENT_LOGGER,
    onRequest: options.onRequest,
  };
  if (typeof settings.locationId !== 'string' || settings.locationId === '') {
    throw new GhlSyncError('invalid_argument', 'locationId must be a non-empty string');
  }
  for (const name of ['timeoutMs', 'maxAttempts', 'maxRateLimitAttempts'] as const) {
    if (!Number.isInteger(settings[name]) || settings[name] < 1) {
      throw new GhlSyncError('invalid_argument', `${name} must be a positive integer`, {
        details: { [name]: settings[name] },
      });
    }
  }
  for (const name of ['backoffBaseMs', 'backoffMaxMs'] as const) {
    if (!Number.isFinite(settings[name]) || settings[name] < 0) {
      throw new GhlSyncError('invalid_argument', `${name} must be a non-negative number`, {
        details: { [name]: settings[name] },
      });
    }
  }
  const http = createGhlHttp(settings);
  const { locationId, logger } = settings;

  return {
    locationId,

    async searchOpportunities(params: SearchOpportunitiesParams = {}): Promise<SearchOpportunitiesPage> {
      const limit = params.limit ?? GHL_MAX_SEARCH_LIMIT;
      if (!Number.isInteger(limit) || limit < 1 || limit > GHL_MAX_SEARCH_LIMIT) {
        throw new GhlSyncError('invalid_argument', `limit must be an integer from 1 to ${GHL_MAX_SEARCH_LIMIT}`, {
          details: { limit },
        });
      }
      const cursor = params.cursor ?? null;
      // snake_case filter names; the cursor pair AND every filter on every page, else GHL answers
      // "location_id can't be undefined" or page 1 again (ghl-api.md §1.1, §1.3, n8n #18436).
      const query = new URLSearchParams({
        location_id: locationId,
        status: params.status ?? 'all',
        limit: String(limit),
      });
      if (params.pipelineId !== undefined) query.set('pipeline_id', params.pipelineId);
      if (params.pipelineStageId !== undefined) query.set('pipeline_stage_id', params.pipelineStageId);
      if (params.date !== undefined) query.set('date', params.date);
      if (params.endDate !== undefined) query.set('endDate', params.endDate);
      if (cursor !== null) {
        query.set('startAfter', String(cursor.startAfter));
        query.set('startAfterId', cursor.startAfterId);
      }
      const result = await http.request(
        'search',
        { method: 'GET', url: '/opportunities/search', params: query },
        checkSearchEnvelope,
      );
      // The envelope check passed, so these casts only name what was verified.
      const body = result.data as { opportunities: Record<string, unknown>[]; meta: GhlSearchMeta };
      const traceId = bodyTraceId(body);
      const metaCheck = GhlSearchMeta.safeParse(body.meta);
      if (!metaCheck.success) {
        // Kept as received; only the next cursor is derived from it, defensively.
        logger.warn(
          {
            locationId,
            traceId,
            issues: metaCheck.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
          },
          'search meta does not match the schema',
        );
      }
      return {
        opportunities: body.opportunities as GhlOpportunity[],
        meta: body.meta,
        ...(traceId !== undefined && { traceId }),
        requestCursor: cursor,
        nextCursor: nextCursorFromMeta(body.meta),
        attempts: result.attempts,
      };
    },

    async getOpportunity(id) {
      if (usableOpportunityId(id) === null)
        throw new GhlSyncError('invalid_argument', 'id must be a string with a non-whitespace character');
      return getOpportunity(http, id);
    },

    async listPipelines(): Promise<GhlPipelinesResult> {
      const result = await http.request(
        'pipelines',
        { method: 'GET', url: '/opportunities/pipelines', params: new URLSearchParams({ locationId }) },
        checkPipelinesEnvelope,
      );
      const pipelines = (result.data as { pipelines: Record<string, unknown>[] }).pipelines;
      pipelines.forEach((pipeline, index) => {
        const parsed = GhlPipeline.safeParse(pipeline);
        if (!parsed.success) {
          const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
          logger.warn({ locationId, index, id: pipeline['id'], issues }, 'pipeline does not match the schema');
        }
      });
      return { pipelines: pipelines as GhlPipeline[], attempts: result.attempts };
    },
  };
}

/** Envelope of `GET /opportunities/pipelines`: `{ pipelines: object[] }` (ghl-api.md §2.2). */
function checkPipelinesEnvelope(body: unknown): string | null {
  if (typeof body === 'string') return `body is not JSON (${body.length} chars)`;
  if (!isRecord(body)) return 'body is not an object';
  const pipelines = body['pipelines'];
  if (!Array.isArray(pipelines)) return '`pipelines` is not an array';
  const bad = pipelines.findIndex((p) => !isRecord(p));
  return bad === -1 ? null : `pipelines[${bad}] is not an object`;
}

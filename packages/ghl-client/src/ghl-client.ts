import type { GetOpportunityResult } from './get-opportunity.js';
import type { GhlCursor } from './ghl-cursor.js';
import type { GhlOpportunity } from './schemas/opportunity.schema.js';
import type { GhlPipeline } from './schemas/pipeline.schema.js';
import type { GhlSearchMeta } from './schemas/search-response.schema.js';

/** Parameters of {@link GhlClient.searchOpportunities}. Every filter is re-sent with the cursor (ghl-api.md §1.3). */
export interface SearchOpportunitiesParams {
  /** Keyset cursor from the previous page's `nextCursor`; null/absent for the first page. */
  cursor?: GhlCursor | null;
  /** Page size, an integer 1–100 (GHL's maximum, §1.1). @defaultValue 100 */
  limit?: number;
  /** Status filter; GHL's default when omitted is undocumented, so `all` is always sent (§1.1). @defaultValue 'all' */
  status?: 'open' | 'won' | 'lost' | 'abandoned' | 'all';
  /** Sent as `pipeline_id` (snake_case: camelCase is rejected with 422, §1.1). */
  pipelineId?: string;
  /** Sent as `pipeline_stage_id` (a stage UUID, official `opportunities.json`). */
  pipelineStageId?: string;
  /** Start date filter, sent as `date` (GHL example format `mm-dd-yyyy`, §1.1). */
  date?: string;
  /** End date filter, sent as `endDate` (`mm-dd-yyyy`, §1.1). */
  endDate?: string;
}

/** One page of `GET /opportunities/search`. */
export interface SearchOpportunitiesPage {
  /**
   * Records exactly as received (unknown fields kept, values NOT coerced, not checked against the
   * schema: the normaliser checks each record once), in response order.
   */
  opportunities: GhlOpportunity[];
  /** `meta` exactly as received. */
  meta: GhlSearchMeta;
  /** Top-level `traceId` of the answer (observed, ghl-api.md §0). */
  traceId?: string;
  /** The cursor this page was requested with (null = first page). */
  requestCursor: GhlCursor | null;
  /** The cursor to request the next page with, or null when GHL signalled the end (missing/null/"" startAfterId or nextPageUrl, per §1.3). */
  nextCursor: GhlCursor | null;
  /** HTTP attempts this call used (retries included). */
  attempts: number;
}

/** HighLevel API v2 client bound to one location. Errors thrown are GhlSyncErrors (see RETRY_POLICY for codes). */
export interface GhlClient {
  /** The location every request is made for. */
  readonly locationId: string;
  /**
   * One page of `GET /opportunities/search` (ghl-api.md §1).
   * @throws GhlSyncError `invalid_argument` for a limit outside 1–100; else the codes of RETRY_POLICY, or the gate's error unchanged.
   */
  searchOpportunities(params?: SearchOpportunitiesParams): Promise<SearchOpportunitiesPage>;
  /**
   * All pipelines of the location with their stages, `GET /opportunities/pipelines?locationId=` (§2.2, not paginated).
   * Records are returned as received; schema problems are logged at warn, never thrown.
   */
  listPipelines(): Promise<GhlPipelinesResult>;
  /**
   * One opportunity by id, `GET /opportunities/{id}` (ghl-api.md §2.3), through the same gate, auth and
   * retries. An unknown or deleted id resolves `{ found: false }` (404, or 400 "… not found").
   * @throws GhlSyncError `invalid_argument` for an id that is not usable (empty or whitespace only); else the codes of RETRY_POLICY, or the gate's error unchanged.
   */
  getOpportunity(id: string): Promise<GetOpportunityResult>;
}

/** Result of `listPipelines`. */
export interface GhlPipelinesResult {
  pipelines: GhlPipeline[];
  /** HTTP attempts this call used (retries included). */
  attempts: number;
}

import {
  databaseNow,
  markWebhookEventsApplied,
  tombstoneOpportunity,
  writeOpportunityRecord,
  type WebhookApplyOutcome,
} from '@ghl-sync/db';
import type { RecordJob } from '@ghl-sync/queues';
import { normalizeOpportunity } from './normalize-opportunity.js';
import type { JobContext, SyncDeps } from './sync-deps.js';

/** What a record job did. */
export interface RecordResult {
  opportunityId: string;
  outcome: WebhookApplyOutcome;
  /** Stored events this job applied (coalesced ones included). */
  events: number;
  /** GHL requests spent (0 for a delete). */
  apiCalls: number;
}

/**
 * A record job may wait this long for one request slot before it is delayed instead. Longer than a
 * page job's wait (1 s), so a webhook re-read reserves its slot ahead of the page jobs competing for
 * the same location budget, up to its share: while a full sync of the location runs, record
 * requests get at most `RECORD_BUDGET_SHARE` of its slots (the limiter's `record` class). The wait
 * holds a slot of the record queue only (page jobs have their own workers), and a job refused
 * after it is delayed, freeing that slot.
 */
const RECORD_MAX_WAIT_MS = 3_000;

/** GHL event type whose payload is the whole story: the opportunity is gone (ghl-api.md §6.1). */
const DELETE_TYPE = 'OpportunityDelete';

/**
 * Applies the webhook events of one opportunity. `OpportunityDelete` tombstones the row at once.
 * Every other type re-reads the opportunity with `GET /opportunities/{id}` (webhook payloads lack
 * customFields and updatedAt, ghl-api.md §6.1) through the location's shared budget and writes it
 * with the page upsert's rules: never over a newer version, never lifting a tombstone made after
 * the read started. A re-read that finds nothing tombstones the row; one that finds a tombstoned
 * opportunity brings it back. Then every stored event of the opportunity received before the job
 * started is marked applied with the outcome.
 *
 * @throws GhlSyncError from the client (`ghl_rate_limited` delays the job; others retry or fail it).
 */
export async function processRecord(deps: SyncDeps, job: RecordJob, ctx: JobContext): Promise<RecordResult> {
  const { locationId, opportunityId } = job;
  // Events stored up to here are covered by this job's read; later ones get their own job.
  const startedAt = await databaseNow(deps.db);
  let outcome: WebhookApplyOutcome;
  let apiCalls = 0;
  if (job.type === DELETE_TYPE) {
    outcome = (await tombstoneOpportunity(deps.db, locationId, opportunityId)) ? 'tombstoned' : 'unchanged';
  } else {
    const client = await deps.clientFor(locationId, { maxWaitMs: RECORD_MAX_WAIT_MS, requestClass: 'record' });
    const read = await client.getOpportunity(opportunityId);
    apiCalls = read.attempts;
    if (!read.found) {
      await tombstoneOpportunity(deps.db, locationId, opportunityId);
      outcome = 'not_found';
    } else {
      const normalized = normalizeOpportunity(read.opportunity);
      if (normalized.row && normalized.row.id === opportunityId) {
        outcome = await writeOpportunityRecord(deps.db, {
          locationId,
          opportunity: normalized.row,
          contact: normalized.contact ?? null,
          fetchedAt: startedAt,
        });
      } else {
        // GHL answered a record under another id (or none): nothing we could key it by safely.
        deps.logger.warn(
          { locationId, opportunityId, code: 'record_missing_id' },
          'GET by id answered a record without that id; nothing written',
        );
        outcome = 'unchanged';
      }
    }
  }
  const latenciesMs = await markWebhookEventsApplied(deps.db, { locationId, opportunityId, upTo: startedAt, outcome });
  if (job.source === 'webhook') deps.onRecordApplied?.({ outcome, latenciesMs });
  const result = { opportunityId, outcome, events: latenciesMs.length, apiCalls };
  await ctx.updateProgress({ ...result });
  deps.logger.debug({ locationId, ...result }, 'webhook events applied');
  return result;
}

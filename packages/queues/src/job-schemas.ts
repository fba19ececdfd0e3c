import { RUN_MODES, RUN_TRIGGERS } from '@ghl-sync/db';
import { z } from 'zod';

const runId = z.number().int().positive();
const locationId = z.string().min(1).max(200);
/** Milliseconds a job has already spent delayed after lost Postgres connections (see `handleJobError`). */
const connectionLossWaitedMs = z.number().int().nonnegative().optional();

/** Who started a run (the persisted list is `RUN_TRIGGERS` of the db package). */
export const runTriggerSchema = z.enum(RUN_TRIGGERS);
export type RunTrigger = z.infer<typeof runTriggerSchema>;

/**
 * Coordinator job. Scheduled fires carry no `runId` (the scheduler's template is fixed): the
 * coordinator opens the run itself, or skips the fire when the location already has an active run.
 */
export const coordinatorJobSchema = z.object({
  locationId,
  runId: runId.optional(),
  trigger: runTriggerSchema,
  /** @defaultValue 'full' */
  mode: z.enum(RUN_MODES).default('full'),
  /** @defaultValue false */
  allowMassDelete: z.boolean().default(false),
  connectionLossWaitedMs,
});
export type CoordinatorJob = z.infer<typeof coordinatorJobSchema>;

/** Page job: one page of one run. */
export const pageJobSchema = z.object({
  runId,
  locationId,
  pageNo: z.number().int().positive(),
  /** Milliseconds this job has already spent delayed waiting for its location's budget. */
  rateLimitWaitedMs: z.number().int().nonnegative().default(0),
  connectionLossWaitedMs,
});
export type PageJob = z.infer<typeof pageJobSchema>;

/** Finalize job: parent of a run's page jobs. */
export const finalizeJobSchema = z.object({ runId, locationId, connectionLossWaitedMs });
export type FinalizeJob = z.infer<typeof finalizeJobSchema>;

/**
 * Maintenance job. `flow_gate` is a run's gate child (see `enqueuePageFlow`): it does nothing.
 * `reconcile_agency` matches one agency's registered locations with where GHL says the app is
 * installed (`agencyId` required); `reconcile_agencies` does it for every agency (periodic).
 */
export const maintenanceJobSchema = z.object({
  task: z.enum(['purge_tombstones', 'recover_runs', 'flow_gate', 'reconcile_agency', 'reconcile_agencies']),
  runId: z.number().int().positive().optional(),
  /** GHL companyId of the agency to reconcile. */
  agencyId: z.string().min(1).max(200).optional(),
  connectionLossWaitedMs,
});
export type MaintenanceJob = z.infer<typeof maintenanceJobSchema>;

/**
 * Record job: apply the webhook events of one opportunity. Events for the same opportunity that
 * arrive before the job runs are coalesced into it (one re-read); the intake stored them all.
 */
export const recordJobSchema = z.object({
  locationId,
  opportunityId: z.string().min(1).max(200),
  /** GHL event type of the event that enqueued the job (`OpportunityDelete` tombstones without a re-read). */
  type: z.string().min(1).max(100),
  /** Why the job exists: a delivery just received, or `webhooks replay`. @defaultValue 'webhook' */
  source: z.enum(['webhook', 'replay']).default('webhook'),
  /** Milliseconds this job has already spent delayed waiting for its location's budget. */
  rateLimitWaitedMs: z.number().int().nonnegative().default(0),
  connectionLossWaitedMs,
});
export type RecordJob = z.infer<typeof recordJobSchema>;

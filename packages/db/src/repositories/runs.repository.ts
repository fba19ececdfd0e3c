import { GhlSyncError } from '@ghl-sync/errors';
import type { Queryable } from '../create-db.js';
import type { ListingPlan } from './listing-plan.repository.js';

/** Run states. WARNING: persisted; add, never rename. */
export const RUN_STATUSES = [
  'queued',
  'listing',
  'sweeping',
  'writing',
  'completed',
  'completed_without_sweep',
  'failed',
  'cancelled',
  'timed_out',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** States in which a run holds its location's one active slot. */
export const ACTIVE_RUN_STATUSES: readonly RunStatus[] = ['queued', 'listing', 'sweeping', 'writing'];

/**
 * How a run was started: the one list, which job payloads and the API validate against.
 * WARNING: persisted in `ghl.sync_runs.trigger`; add, never rename.
 */
export const RUN_TRIGGERS = ['cli', 'schedule', 'api', 'demo', 'test', 'install'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];
/**
 * `full` writes only what changed; `resync` rewrites every row it fetches. The one list (the
 * `sync_runs.mode` CHECK holds the same values). WARNING: persisted; add, never rename.
 */
export const RUN_MODES = ['full', 'resync'] as const;
export type RunMode = (typeof RUN_MODES)[number];

/** A row of `ghl.sync_runs`. Counts are exact integers. */
export interface SyncRun {
  id: number;
  locationId: string;
  trigger: string;
  mode: RunMode;
  status: RunStatus;
  allowMassDelete: boolean;
  startedAt: Date;
  listingFinishedAt: Date | null;
  finishedAt: Date | null;
  deadlineAt: Date | null;
  listed: number;
  reportedTotal: number | null;
  pages: number;
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
  duplicates: number;
  recordErrors: number;
  failedPages: number;
  apiCalls: number;
  listingApiCalls: number;
  sweepStatus: 'pending' | 'done' | 'skipped';
  cancelRequested: boolean;
  errorCode: string | null;
  error: string | null;
  coordinatorJobId: string | null;
  /** Records pass 1 listed without a usable id (the sweep is refused while any). */
  listedWithoutId: number;
  /** Times recovery re-enqueued this run's jobs after they vanished. */
  recoveries: number;
  /** Sweep candidates (live rows pass 1 did not see) when the sweep first counted them; null before. */
  sweepCandidates: number | null;
  /** Candidates `GET /opportunities/{id}` confirmed gone (each tombstoned). */
  sweepVerifiedGone: number;
  /** Candidates GHL still had: the listing missed them; their current state was written, nothing tombstoned. */
  sweepVerifiedAlive: number;
  /**
   * Most candidates the sweep would verify (SWEEP_VERIFY_MAX, lowered by SWEEP_VERIFY_BUDGET_SHARE)
   * when it counted them; above it the guards decided. Null before the sweep counted.
   */
  sweepVerifyMax: number | null;
  /** How pass 1 listed (chains, partitions, or why one chain); null before it chose. */
  listingPlan: ListingPlan | null;
  /** The location had webhooks on when the run opened: the run is a reconciliation. */
  webhooks: boolean;
  /**
   * Set when a run with `webhooks` closes after an earlier run of the location completed with
   * webhooks on (the baseline): rows it inserted, moved to a newer GHL version, revived or
   * tombstoned that no received, still unapplied webhook event was bringing, i.e. what webhooks had
   * missed (0 when none was lost). Null otherwise (no webhooks, or no baseline yet).
   */
  drift: number | null;
}

export const RUN_COLUMNS = `id, location_id AS "locationId", trigger, mode, status, allow_mass_delete AS "allowMassDelete",
  started_at AS "startedAt", listing_finished_at AS "listingFinishedAt", finished_at AS "finishedAt", deadline_at AS "deadlineAt",
  listed, reported_total AS "reportedTotal", pages, inserted, updated, unchanged, deleted, duplicates,
  record_errors AS "recordErrors", failed_pages AS "failedPages", api_calls AS "apiCalls", listing_api_calls AS "listingApiCalls",
  sweep_status AS "sweepStatus", cancel_requested AS "cancelRequested", error_code AS "errorCode", error,
  coordinator_job_id AS "coordinatorJobId", listed_without_id AS "listedWithoutId", recoveries,
  sweep_candidates AS "sweepCandidates", sweep_verified_gone AS "sweepVerifiedGone", sweep_verified_alive AS "sweepVerifiedAlive",
  sweep_verify_max AS "sweepVerifyMax", listing_plan AS "listingPlan", webhooks, drift`;

/** Input of {@link createRun}. */
export interface CreateRunInput {
  locationId: string;
  trigger: RunTrigger;
  /** @defaultValue 'full' */
  mode?: RunMode;
  /** Lets the sweep tombstone more than the configured share of live rows. @defaultValue false */
  allowMassDelete?: boolean;
  /** When the run is cancelled with `timed_out` if still going. */
  deadlineAt?: Date | null;
  /**
   * The BullMQ job that coordinates the run, when the run is opened by its own coordinator (a
   * scheduled fire): recorded in the same insert so a job that fails for good can always find its run.
   */
  coordinatorJobId?: string | null;
}

/**
 * Inserts a run in state `queued`. Callers go through the run lifecycle (`startRun` / `openRun` in
 * packages/sync), which checks first that the location can sync; the constraints below are what
 * make two concurrent starts safe.
 * @throws GhlSyncError `run_already_active` (details.activeRunId) when the location has an active run
 *   (unique index); `location_not_found` when the location is not registered (foreign key).
 */
export async function createRun(db: Queryable, input: CreateRunInput): Promise<SyncRun> {
  try {
    const { rows } = await db.query<SyncRun>(
      `INSERT INTO ghl.sync_runs (location_id, trigger, mode, allow_mass_delete, deadline_at, coordinator_job_id, webhooks)
       VALUES ($1, $2, $3, $4, $5, $6, coalesce((SELECT l.webhooks FROM ghl.locations l WHERE l.id = $1), false))
       RETURNING ${RUN_COLUMNS}`,
      [
        input.locationId,
        input.trigger,
        input.mode ?? 'full',
        input.allowMassDelete ?? false,
        input.deadlineAt ?? null,
        input.coordinatorJobId ?? null,
      ],
    );
    return rows[0]!;
  } catch (err) {
    const constraint = err instanceof GhlSyncError ? err.details['constraint'] : undefined;
    if (constraint === 'sync_runs_one_active_per_location') {
      const active = await getActiveRun(db, input.locationId);
      throw new GhlSyncError(
        'run_already_active',
        `Location ${input.locationId} already has an active run${active ? ` (run ${active.id}, ${active.status})` : ''}`,
        {
          details: { activeRunId: active?.id ?? null, locationId: input.locationId },
        },
      );
    }
    if (constraint === 'sync_runs_location_id_fkey') {
      throw new GhlSyncError(
        'location_not_found',
        `Location ${input.locationId} is not registered; add it with \`ghl-sync locations add\``,
        { details: { locationId: input.locationId } },
      );
    }
    throw err;
  }
}

/** The run, or null. */
export async function getRun(db: Queryable, id: number): Promise<SyncRun | null> {
  const { rows } = await db.query<SyncRun>(`SELECT ${RUN_COLUMNS} FROM ghl.sync_runs WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

/** The newest run coordinated by BullMQ job `jobId`, or null (see {@link CreateRunInput.coordinatorJobId}). */
export async function getRunByCoordinatorJob(db: Queryable, jobId: string): Promise<SyncRun | null> {
  const { rows } = await db.query<SyncRun>(
    `SELECT ${RUN_COLUMNS} FROM ghl.sync_runs WHERE coordinator_job_id = $1 ORDER BY id DESC LIMIT 1`,
    [jobId],
  );
  return rows[0] ?? null;
}

/** The location's active run, or null. */
export async function getActiveRun(db: Queryable, locationId: string): Promise<SyncRun | null> {
  const { rows } = await db.query<SyncRun>(
    `SELECT ${RUN_COLUMNS} FROM ghl.sync_runs WHERE location_id = $1 AND status = ANY($2::text[]) ORDER BY id DESC LIMIT 1`,
    [locationId, ACTIVE_RUN_STATUSES],
  );
  return rows[0] ?? null;
}

/** Newest runs first. @param limit - @defaultValue 20 */
export async function listRuns(
  db: Queryable,
  filter: { locationId?: string; limit?: number } = {},
): Promise<SyncRun[]> {
  const { rows } = await db.query<SyncRun>(
    `SELECT ${RUN_COLUMNS} FROM ghl.sync_runs WHERE ($1::text IS NULL OR location_id = $1) ORDER BY id DESC LIMIT $2`,
    [filter.locationId ?? null, filter.limit ?? 20],
  );
  return rows;
}

/**
 * Moves an active run to `status`. Terminal runs are never moved again, so a late job cannot
 * resurrect a cancelled or failed run. @returns the run after the change, or null when it was not active.
 */
export async function transitionRun(
  db: Queryable,
  id: number,
  status: RunStatus,
  fields: { errorCode?: string | null; error?: string | null } = {},
): Promise<SyncRun | null> {
  const terminal = !ACTIVE_RUN_STATUSES.includes(status);
  const { rows } = await db.query<SyncRun>(
    `UPDATE ghl.sync_runs SET status = $2,
       error_code = coalesce($3, error_code), error = coalesce($4, error),
       finished_at = CASE WHEN $5::boolean THEN now() ELSE finished_at END,
       listing_finished_at = CASE WHEN $2 IN ('sweeping', 'writing') THEN coalesce(listing_finished_at, now()) ELSE listing_finished_at END
     WHERE id = $1 AND status = ANY($6::text[])
     RETURNING ${RUN_COLUMNS}`,
    [id, status, fields.errorCode ?? null, fields.error ?? null, terminal, ACTIVE_RUN_STATUSES],
  );
  return rows[0] ?? null;
}

/** Records why a run will not sweep (the run goes on; it ends `completed_without_sweep`). */
export async function skipSweep(db: Queryable, id: number, errorCode: string, error: string): Promise<void> {
  await db.query(`UPDATE ghl.sync_runs SET sweep_status = 'skipped', error_code = $2, error = $3 WHERE id = $1`, [
    id,
    errorCode,
    error,
  ]);
}

/**
 * Asks an active run to stop: no more pages are started, no sweep that has not begun. The run ends
 * `cancelled`, or `timed_out` when `reason` is `run_timed_out`.
 * @returns the run, or null if it was not active.
 */
export async function requestCancel(
  db: Queryable,
  id: number,
  reason: 'run_cancelled' | 'run_timed_out' = 'run_cancelled',
): Promise<SyncRun | null> {
  const { rows } = await db.query<SyncRun>(
    `UPDATE ghl.sync_runs SET cancel_requested = true, error_code = $3,
       error = CASE WHEN $3 = 'run_timed_out' THEN 'run passed its deadline' ELSE 'cancelled by an admin' END
     WHERE id = $1 AND status = ANY($2::text[]) AND NOT cancel_requested RETURNING ${RUN_COLUMNS}`,
    [id, ACTIVE_RUN_STATUSES, reason],
  );
  return rows[0] ?? null;
}

/** Records which BullMQ job coordinates a run. */
export async function setCoordinatorJob(db: Queryable, id: number, jobId: string): Promise<void> {
  await db.query(`UPDATE ghl.sync_runs SET coordinator_job_id = $2 WHERE id = $1`, [id, jobId]);
}

/** Active runs past their deadline, and active runs older than `staleAfterMs` (candidates for recovery). */
export async function listRunsNeedingAttention(
  db: Queryable,
  staleAfterMs: number,
): Promise<{ overdue: SyncRun[]; stale: SyncRun[] }> {
  const { rows } = await db.query<SyncRun & { overdue: boolean }>(
    `SELECT ${RUN_COLUMNS}, (deadline_at IS NOT NULL AND deadline_at < now()) AS overdue FROM ghl.sync_runs
     WHERE status = ANY($1::text[]) AND (
       (deadline_at IS NOT NULL AND deadline_at < now() AND NOT cancel_requested)
       OR started_at < now() - make_interval(secs => $2 / 1000.0))
     ORDER BY id`,
    [ACTIVE_RUN_STATUSES, staleAfterMs],
  );
  return { overdue: rows.filter((r) => r.overdue && !r.cancelRequested), stale: rows };
}

// Drift needs a baseline: an earlier run of the location that completed with webhooks on, and
// started since they were last turned on (`webhooks_on_since`, kept by a trigger). Without one
// (the first sync after `locations add --webhooks`, or after webhooks were turned off and on again:
// what changed meanwhile was never sent) the run fills or catches up the table rather than repairs
// what webhooks missed, and its drift stays null.
const HAS_BASELINE = `EXISTS (SELECT 1 FROM ghl.sync_runs prev JOIN ghl.locations l ON l.id = prev.location_id
  WHERE prev.location_id = r.location_id AND prev.id < r.id AND prev.status = 'completed' AND prev.webhooks
    AND prev.started_at >= l.webhooks_on_since)`;

/**
 * Sums the page rows into the run and moves it to the terminal `status` (the run lifecycle's
 * `finishRun` decides which). A run of a location with webhooks gets its drift: the pages' rows
 * that were new or newer plus the sweep's tombstones, leaving out rows whose webhook event was
 * received and still waited to be applied when the run wrote them (not missed, only not there yet).
 * Drift stays null without a baseline: no earlier run of the location completed with webhooks on since they were last turned on. Idempotent: totals are recomputed from the pages, never incremented.
 * `failed_pages` counts pages that failed for good, not pages a cancelled or timed-out run never wrote.
 * @returns the closed run, or null when it was no longer active.
 */
export async function closeRunWithPageTotals(
  db: Queryable,
  id: number,
  status: RunStatus,
  fields: { errorCode?: string | null; error?: string | null } = {},
): Promise<SyncRun | null> {
  const { rows } = await db.query<SyncRun>(
    `UPDATE ghl.sync_runs r SET
       (inserted, updated, unchanged, duplicates, record_errors, failed_pages, api_calls, drift) = (
         SELECT coalesce(sum(p.inserted), 0), coalesce(sum(p.updated), 0), coalesce(sum(p.unchanged), 0),
                coalesce(sum(p.duplicates), 0), coalesce(sum(p.record_errors), 0),
                count(*) FILTER (WHERE p.status = 'failed'), r.listing_api_calls + coalesce(sum(p.api_calls), 0),
                CASE WHEN r.webhooks AND ${HAS_BASELINE} THEN coalesce(sum(p.newer), 0) + r.deleted - r.deleted_announced END
         FROM ghl.sync_run_pages p WHERE p.run_id = $1),
       status = $2, error_code = coalesce($3, error_code), error = coalesce($4, error), finished_at = now()
     WHERE id = $1 AND status = ANY($5::text[])
     RETURNING ${RUN_COLUMNS}`,
    [id, status, fields.errorCode ?? null, fields.error ?? null, ACTIVE_RUN_STATUSES],
  );
  return rows[0] ?? null;
}

/** Counts of a run's page states, and when its last page ended. */
export interface PageProgress {
  total: number;
  done: number;
  failed: number;
  running: number;
  /** When the last page was written or failed for good (`finished_at`); null before any page ended. */
  lastEndedAt: Date | null;
}

/** Counts of page states for progress reports and recovery. */
export async function pageProgress(db: Queryable, runId: number): Promise<PageProgress> {
  const { rows } = await db.query<PageProgress>(
    `SELECT count(*) AS total, count(*) FILTER (WHERE status = 'done') AS done,
            count(*) FILTER (WHERE status = 'failed') AS failed, count(*) FILTER (WHERE status = 'running') AS running,
            max(finished_at) AS "lastEndedAt"
     FROM ghl.sync_run_pages WHERE run_id = $1`,
    [runId],
  );
  return rows[0]!;
}

/** Notes a condition on an active run without changing its state (e.g. `daily_quota_exhausted` while delayed). */
export async function annotateRun(db: Queryable, id: number, errorCode: string, error: string): Promise<void> {
  await db.query(`UPDATE ghl.sync_runs SET error_code = $2, error = $3 WHERE id = $1 AND status = ANY($4::text[])`, [
    id,
    errorCode,
    error,
    ACTIVE_RUN_STATUSES,
  ]);
}

/** Counts GHL requests the coordinator made outside page listing (pipelines). */
export async function addRunApiCalls(db: Queryable, id: number, calls: number): Promise<void> {
  await db.query(
    `UPDATE ghl.sync_runs SET listing_api_calls = listing_api_calls + $2, api_calls = api_calls + $2 WHERE id = $1`,
    [id, calls],
  );
}

/** Runs per status, for the `ghl_sync_runs` gauge. */
export async function countRunsByStatus(db: Queryable): Promise<Record<string, number>> {
  const { rows } = await db.query<{ status: string; n: number }>(
    `SELECT status, count(*) AS n FROM ghl.sync_runs GROUP BY status`,
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/**
 * Counts one more recovery of a run (its jobs are about to be re-enqueued). Optimistic: only the
 * caller that saw `expectedRecoveries` wins, so two workers recovering at once enqueue one set of jobs.
 * @returns the run after the change, or null when another caller won or the run is no longer active.
 */
export async function markRunRecovered(db: Queryable, id: number, expectedRecoveries: number): Promise<SyncRun | null> {
  const { rows } = await db.query<SyncRun>(
    `UPDATE ghl.sync_runs SET recoveries = recoveries + 1
     WHERE id = $1 AND status = ANY($2::text[]) AND recoveries = $3 RETURNING ${RUN_COLUMNS}`,
    [id, ACTIVE_RUN_STATUSES, expectedRecoveries],
  );
  return rows[0] ?? null;
}

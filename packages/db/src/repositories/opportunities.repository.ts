import type { Queryable } from '../create-db.js';
import { lockPageForWrite } from './pages.repository.js';
import { pendingWebhookEventFor } from './pending-webhook-event.js';

/** A normalised opportunity, ready for `ghl.opportunities`. Timestamps are ISO-8601 strings. */
export interface OpportunityRow {
  id: string;
  name: string | null;
  /** Exact decimal as a string (NUMERIC), or null. */
  monetaryValue: string | null;
  status: string | null;
  pipelineId: string | null;
  pipelineStageId: string | null;
  contactId: string | null;
  assignedTo: string | null;
  source: string | null;
  lostReasonId: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  lastStatusChangeAt: string | null;
  lastStageChangeAt: string | null;
  customFields: unknown;
  /** The whole record as received (sanitised so Postgres accepts it). */
  raw: unknown;
}

/** The embedded contact of an opportunity, for `ghl.contacts`. */
export interface ContactRow {
  id: string;
  name: string | null;
  companyName: string | null;
  email: string | null;
  phone: string | null;
  tags: unknown;
  raw: unknown;
}

/** A record-level problem for `ghl.sync_run_errors`. */
export interface RecordErrorRow {
  opportunityId: string | null;
  code: string;
  message: string;
  raw?: unknown;
}

/** Input of {@link writeOpportunityPage}. Rows must be unique by id (the caller de-duplicates). */
export interface WriteOpportunityPageInput {
  runId: number;
  pageNo: number;
  locationId: string;
  opportunities: OpportunityRow[];
  contacts: ContactRow[];
  recordErrors: RecordErrorRow[];
  /** Records received for this page's range (before de-duplication). */
  fetched: number;
  duplicates: number;
  /** HTTP requests this attempt spent. */
  apiCalls: number;
  /** Rewrite rows even when nothing changed (`resync` mode). @defaultValue false */
  force?: boolean;
  /**
   * Database time (see {@link databaseNow}) taken before the page's first GHL request: a row
   * tombstoned after it is not brought back by these records, which may predate the deletion.
   * @defaultValue null (every tombstone may be lifted)
   */
  fetchedAt?: Date | null;
}

/** What a page write did. `alreadyDone` means an earlier attempt had committed it; nothing was written. */
export interface PageWriteResult {
  inserted: number;
  updated: number;
  unchanged: number;
  alreadyDone: boolean;
}

/**
 * Writes one page in one transaction: upserts its opportunities and contacts with one statement,
 * records the page's record errors and closes the page row with exact counts.
 *
 * A row whose data did not change is not rewritten (its `raw` is compared, without the keys only
 * one of search and GET by id carries), unless `force`. A row
 * that was tombstoned comes back to life (`deleted_at` cleared) and counts as updated. Whatever
 * `force` says, a row is never replaced by a record with an older GHL `updatedAt`, nor revived
 * when it was tombstoned after `fetchedAt`; such records count as unchanged. A page that
 * is already `done` is left alone, so a retried or doubled page job never doubles the counters.
 */
export async function writeOpportunityPage(
  db: Queryable & { withTransaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> },
  input: WriteOpportunityPageInput,
): Promise<PageWriteResult> {
  return db.withTransaction(async (tx) => {
    const page = await lockPageForWrite(tx, input.runId, input.pageNo);
    if (!page) throw new Error(`page ${input.pageNo} of run ${input.runId} does not exist`);
    if (page.status === 'done')
      return { inserted: page.inserted, updated: page.updated, unchanged: page.unchanged, alreadyDone: true };

    const { inserted, updated, newer } = await upsertOpportunities(tx, {
      locationId: input.locationId,
      runId: input.runId,
      opportunities: input.opportunities,
      contacts: input.contacts,
      force: input.force ?? false,
      fetchedAt: input.fetchedAt ?? null,
    });
    const unchanged = input.opportunities.length - inserted - updated;

    // No earlier attempt can have left record errors for this page: they are written only here, in
    // the transaction that also marks the page done, and a done page is never written again.
    if (input.recordErrors.length > 0) {
      await tx.query(
        `INSERT INTO ghl.sync_run_errors (run_id, page_no, opportunity_id, code, message, raw)
         SELECT $1, $2, e.opportunity_id, e.code, e.message, e.raw FROM jsonb_to_recordset($3::jsonb) AS e(opportunity_id text, code text, message text, raw jsonb)`,
        [
          input.runId,
          input.pageNo,
          JSON.stringify(
            input.recordErrors.map((e) => ({
              opportunity_id: e.opportunityId,
              code: e.code,
              message: e.message,
              raw: e.raw ?? null,
            })),
          ),
        ],
      );
    }
    await tx.query(
      `UPDATE ghl.sync_run_pages SET status = 'done', fetched = $3, inserted = $4, updated = $5, unchanged = $6,
         duplicates = $7, record_errors = $8, api_calls = api_calls + $9, newer = $10, error_code = NULL, error = NULL,
         finished_at = now()
       WHERE run_id = $1 AND page_no = $2`,
      [
        input.runId,
        input.pageNo,
        input.fetched,
        inserted,
        updated,
        unchanged,
        input.duplicates,
        input.recordErrors.length,
        input.apiCalls,
        newer,
      ],
    );
    return { inserted, updated, unchanged, alreadyDone: false };
  });
}

/** Input of {@link writeOpportunityRecord}. */
export interface WriteOpportunityRecordInput {
  locationId: string;
  opportunity: OpportunityRow;
  contact: ContactRow | null;
  /** Database time taken before the GET that read the record (see {@link databaseNow}). */
  fetchedAt: Date;
}

/**
 * Writes one opportunity read by id (a webhook's re-read) with the page upsert's rules: never an
 * older version over a newer one, never lifting a tombstone made after `fetchedAt`, and no rewrite
 * when nothing changed. The row keeps the `last_seen_run_id` pass 1 gave it.
 * @returns what happened to the row: `unchanged` also covers a write refused as older.
 */
export async function writeOpportunityRecord(
  db: Queryable,
  input: WriteOpportunityRecordInput,
): Promise<'inserted' | 'updated' | 'unchanged'> {
  const { inserted, updated } = await upsertOpportunities(db, {
    locationId: input.locationId,
    runId: null,
    opportunities: [input.opportunity],
    contacts: input.contact ? [input.contact] : [],
    force: false,
    fetchedAt: input.fetchedAt,
  });
  return inserted ? 'inserted' : updated ? 'updated' : 'unchanged';
}

/**
 * Tombstones one opportunity of a location now (GHL said it was deleted). An unknown id or a row
 * already tombstoned is left alone.
 * @returns whether a live row was tombstoned.
 */
export async function tombstoneOpportunity(db: Queryable, locationId: string, id: string): Promise<boolean> {
  const result = await db.query(
    `UPDATE ghl.opportunities SET deleted_at = now() WHERE id = $1 AND location_id = $2 AND deleted_at IS NULL`,
    [id, locationId],
  );
  return (result.rowCount ?? 0) > 0;
}

/** Postgres's clock now (not the transaction's start): the time base of `deleted_at` and `synced_at`. */
export async function databaseNow(db: Queryable): Promise<Date> {
  const { rows } = await db.query<{ now: Date }>(`SELECT clock_timestamp() AS now`);
  return rows[0]!.now;
}

interface UpsertOpportunitiesInput {
  locationId: string;
  /** Stamped as `last_seen_run_id`; null keeps the row's. */
  runId: number | null;
  opportunities: OpportunityRow[];
  contacts: ContactRow[];
  force: boolean;
  fetchedAt: Date | null;
}

async function upsertOpportunities(
  db: Queryable,
  input: UpsertOpportunitiesInput,
): Promise<{ inserted: number; updated: number; newer: number }> {
  const { rows } = await db.query<{ inserted: number; updated: number; newer: number }>(UPSERT_SQL, [
    JSON.stringify(input.opportunities.map(toDbOpportunity)),
    input.locationId,
    input.runId,
    input.force,
    JSON.stringify(
      input.contacts.map((c) => ({
        id: c.id,
        name: c.name,
        company_name: c.companyName,
        email: c.email,
        phone: c.phone,
        tags: c.tags,
        raw: c.raw,
      })),
    ),
    input.fetchedAt,
  ]);
  return rows[0]!;
}

/**
 * The opportunity columns the page upsert unpacks, once: each column's name, its {@link OpportunityRow}
 * field and its SQL type. Both the JSON rows ({@link toDbOpportunity}) and the `jsonb_to_recordset`
 * column list of the upsert are generated from it, so they cannot drift apart.
 */
const OPPORTUNITY_COLUMNS = [
  ['id', 'id', 'text'],
  ['name', 'name', 'text'],
  ['monetary_value', 'monetaryValue', 'numeric'],
  ['status', 'status', 'text'],
  ['pipeline_id', 'pipelineId', 'text'],
  ['pipeline_stage_id', 'pipelineStageId', 'text'],
  ['contact_id', 'contactId', 'text'],
  ['assigned_to', 'assignedTo', 'text'],
  ['source', 'source', 'text'],
  ['lost_reason_id', 'lostReasonId', 'text'],
  ['created_at', 'createdAt', 'timestamptz'],
  ['updated_at', 'updatedAt', 'timestamptz'],
  ['last_status_change_at', 'lastStatusChangeAt', 'timestamptz'],
  ['last_stage_change_at', 'lastStageChangeAt', 'timestamptz'],
  ['custom_fields', 'customFields', 'jsonb'],
  ['raw', 'raw', 'jsonb'],
] as const satisfies readonly (readonly [string, keyof OpportunityRow, string])[];

function toDbOpportunity(o: OpportunityRow): Record<string, unknown> {
  return Object.fromEntries(OPPORTUNITY_COLUMNS.map(([column, field]) => [column, o[field] ?? null]));
}

/**
 * Keys only one of the two readers' answers carries, left out when deciding whether a row changed:
 * `sort` comes with search records only (the keyset cursor, observed, ghl-api.md §7 #9) and
 * `GET /opportunities/{id}` has no `notes` (§7 #21). Both answers are otherwise the one
 * `SearchOpportunitiesResponseSchema` (opportunities.json), so an unchanged opportunity stays
 * unchanged whichever path wrote it last; the stored `raw` keeps what its writer received.
 */
const ONE_ENDPOINT_KEYS = `'{sort,notes}'::text[]`;

// One round trip per page: the page travels as one JSON parameter and is unpacked in SQL.
// `xmax = 0` tells a fresh insert from an update of an existing row.
// Page jobs and webhook re-reads race: each read GHL at some moment and writes later. So a row is
// replaced only by a version whose GHL updatedAt is equal or newer (either missing: no order, the
// write goes through), and a tombstone made after the writer's read (fetched_at, $6) stays.
// `newer` (the page's drift) leaves out rows whose webhook event waits to be applied: not missed.
const UPSERT_SQL = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(${OPPORTUNITY_COLUMNS.map(([column, , type]) => `${column} ${type}`).join(', ')})
), before AS (
  -- The rows as they were: every CTE reads the snapshot taken before the statement.
  SELECT o.id, o.updated_at, o.deleted_at FROM ghl.opportunities o JOIN input i ON i.id = o.id
), upserted AS (
  INSERT INTO ghl.opportunities AS o (
    id, location_id, name, monetary_value, status, pipeline_id, pipeline_stage_id, contact_id, assigned_to, source,
    lost_reason_id, created_at, updated_at, last_status_change_at, last_stage_change_at, custom_fields, raw,
    deleted_at, last_seen_run_id, synced_at)
  SELECT id, $2, name, monetary_value, status, pipeline_id, pipeline_stage_id, contact_id, assigned_to, source,
    lost_reason_id, created_at, updated_at, last_status_change_at, last_stage_change_at, custom_fields, raw,
    NULL, $3::integer, now()
  FROM input
  ON CONFLICT (id) DO UPDATE SET
    location_id = EXCLUDED.location_id, name = EXCLUDED.name, monetary_value = EXCLUDED.monetary_value,
    status = EXCLUDED.status, pipeline_id = EXCLUDED.pipeline_id, pipeline_stage_id = EXCLUDED.pipeline_stage_id,
    contact_id = EXCLUDED.contact_id, assigned_to = EXCLUDED.assigned_to, source = EXCLUDED.source,
    lost_reason_id = EXCLUDED.lost_reason_id, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at,
    last_status_change_at = EXCLUDED.last_status_change_at, last_stage_change_at = EXCLUDED.last_stage_change_at,
    custom_fields = EXCLUDED.custom_fields, raw = EXCLUDED.raw, deleted_at = NULL,
    last_seen_run_id = COALESCE(EXCLUDED.last_seen_run_id, o.last_seen_run_id), synced_at = EXCLUDED.synced_at
  WHERE ($4::boolean
     OR o.deleted_at IS NOT NULL
     OR o.location_id IS DISTINCT FROM EXCLUDED.location_id
     OR (o.raw - ${ONE_ENDPOINT_KEYS}) IS DISTINCT FROM (EXCLUDED.raw - ${ONE_ENDPOINT_KEYS}))
    AND (o.updated_at IS NULL OR EXCLUDED.updated_at IS NULL OR EXCLUDED.updated_at >= o.updated_at)
    AND (o.deleted_at IS NULL OR $6::timestamptz IS NULL OR o.deleted_at < $6::timestamptz)
  RETURNING o.id, o.updated_at, (xmax = 0) AS inserted
), contacts AS (
  INSERT INTO ghl.contacts AS c (id, location_id, name, company_name, email, phone, tags, raw, synced_at)
  SELECT id, $2, name, company_name, email, phone, tags, raw, now()
  FROM jsonb_to_recordset($5::jsonb) AS r(id text, name text, company_name text, email text, phone text, tags jsonb, raw jsonb)
  ON CONFLICT (id) DO UPDATE SET
    location_id = EXCLUDED.location_id, name = EXCLUDED.name, company_name = EXCLUDED.company_name,
    email = EXCLUDED.email, phone = EXCLUDED.phone, tags = EXCLUDED.tags, raw = EXCLUDED.raw, synced_at = EXCLUDED.synced_at
  WHERE c.raw IS DISTINCT FROM EXCLUDED.raw OR c.location_id IS DISTINCT FROM EXCLUDED.location_id
  RETURNING 1
)
SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated,
       count(*) FILTER (WHERE (inserted OR b.deleted_at IS NOT NULL OR b.updated_at IS DISTINCT FROM u.updated_at)
                          AND NOT ${pendingWebhookEventFor('$2', 'u.id')}) AS newer,
       (SELECT count(*) FROM contacts) AS contacts
FROM upserted u LEFT JOIN before b ON b.id = u.id`;

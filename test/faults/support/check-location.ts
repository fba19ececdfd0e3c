import { isDeepStrictEqual } from 'node:util';
import type { Db } from '@ghl-sync/db';
import type { Sandbox } from '@ghl-sync/ghl-sandbox';
import { normalizeOpportunity } from '@ghl-sync/sync';

/** What {@link checkLocation} found. Every list is empty in a healthy mirror. */
export interface LocationCheck {
  /** Upstream opportunities compared field by field. */
  checked: number;
  /** Rows of the location carrying `deleted_at`. */
  tombstoned: number;
  /** Upstream ids missing in Postgres or tombstoned there. */
  lost: string[];
  /** Upstream ids whose stored fields differ from what the sandbox serves. */
  differs: string[];
  /** Live rows that upstream no longer has (should carry `deleted_at`). */
  extraLive: string[];
  /** Writes counted twice: rows inserted more than once over all runs, plus ids counted twice within a run. */
  duplicated: number;
  /** Counter sums that do not add up, one line each. */
  counterProblems: string[];
}

interface Row {
  id: string;
  name: string | null;
  monetary_value: string | null;
  status: string | null;
  pipeline_id: string | null;
  pipeline_stage_id: string | null;
  contact_id: string | null;
  assigned_to: string | null;
  source: string | null;
  lost_reason_id: string | null;
  created_at: string | null;
  updated_at: string | null;
  raw: unknown;
  deleted_at: Date | null;
}

const FIELDS: Array<[keyof Row, string]> = [
  ['name', 'name'],
  ['status', 'status'],
  ['pipeline_id', 'pipelineId'],
  ['pipeline_stage_id', 'pipelineStageId'],
  ['contact_id', 'contactId'],
  ['assigned_to', 'assignedTo'],
  ['source', 'source'],
  ['lost_reason_id', 'lostReasonId'],
  ['created_at', 'createdAt'],
  ['updated_at', 'updatedAt'],
];

const canonicalDecimal = (s: string | null) =>
  s === null ? null : s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;

/** `raw` without the keys only one of search and GET by id carries. */
const bothEndpoints = (raw: unknown): unknown => {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const { sort: _sort, notes: _notes, ...rest } = raw as Record<string, unknown>;
  return rest;
};

/**
 * Compares one location in Postgres with the sandbox's own export (truth, not index-lagged) and
 * checks the run counters:
 * - every upstream id is stored, live, with the same fields and the same `raw`;
 * - every other row of the location is tombstoned (never hard-deleted);
 * - over all runs, Σ pages.inserted = rows of the location (no row inserted twice);
 * - per finished run: run totals = Σ of its page rows, `pages` = page rows;
 * - for the last completed run: inserted+updated+unchanged = distinct ids written (rows stamped with the run).
 */
export async function checkLocation(db: Db, sandbox: Sandbox, locationId: string): Promise<LocationCheck> {
  const { rows } = await db.query<Row>(
    `SELECT id, name, monetary_value::text AS monetary_value, status, pipeline_id, pipeline_stage_id, contact_id, assigned_to, source,
            lost_reason_id, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
            to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at, raw, deleted_at
     FROM ghl.opportunities WHERE location_id = $1`,
    [locationId],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  const lost: string[] = [];
  const differs: string[] = [];
  const upstream = new Set<string>();
  let checked = 0;
  for await (const record of sandbox.admin.exportOpportunities(locationId)) {
    const expected = normalizeOpportunity(record).row;
    if (!expected) continue;
    checked += 1;
    upstream.add(expected.id);
    const got = byId.get(expected.id);
    if (!got) {
      lost.push(`${expected.id}: missing`);
      continue;
    }
    if (got.deleted_at) {
      lost.push(`${expected.id}: tombstoned but upstream`);
      continue;
    }
    const bad = FIELDS.filter(([col, key]) => got[col] !== (expected as unknown as Record<string, unknown>)[key]).map(
      ([col]) => col,
    );
    if (canonicalDecimal(got.monetary_value) !== canonicalDecimal(expected.monetaryValue)) bad.push('monetary_value');
    // Like the writers' unchanged check: `sort` comes with search answers only and `notes` with
    // them only, so a row last written from GET /opportunities/{id} (a webhook, the sweep's
    // verification) keeps a raw without them (docs/correctness.md §5).
    if (!isDeepStrictEqual(bothEndpoints(got.raw), bothEndpoints(JSON.parse(JSON.stringify(expected.raw)))))
      bad.push('raw');
    if (bad.length) differs.push(`${expected.id}: ${bad.join(', ')}`);
  }
  const extraLive = rows
    .filter((r) => !r.deleted_at && !upstream.has(r.id))
    .map((r) => `${r.id}: live but gone upstream`);
  const tombstoned = rows.filter((r) => r.deleted_at).length;

  const counterProblems: string[] = [];
  let duplicated = 0;
  const {
    rows: [ever],
  } = await db.query<{ inserted: number }>(
    `SELECT coalesce(sum(p.inserted), 0) AS inserted FROM ghl.sync_run_pages p JOIN ghl.sync_runs r ON r.id = p.run_id WHERE r.location_id = $1 AND p.status = 'done'`,
    [locationId],
  );
  if (ever!.inserted !== rows.length) {
    counterProblems.push(`pages of all runs inserted ${ever!.inserted} rows, the location has ${rows.length}`);
    duplicated += Math.max(0, ever!.inserted - rows.length);
  }
  const { rows: runs } = await db.query<{
    id: number;
    status: string;
    error_code: string | null;
    pages: number;
    listed: number;
    inserted: number;
    updated: number;
    unchanged: number;
    duplicates: number;
    record_errors: number;
    failed_pages: number;
    api_calls: number;
    listing_api_calls: number;
    p_count: number;
    p_max: number | null;
    p_listed: number;
    p_inserted: number;
    p_updated: number;
    p_unchanged: number;
    p_duplicates: number;
    p_record_errors: number;
    p_failed: number;
    p_api_calls: number;
  }>(
    `SELECT r.id, r.status, r.error_code, r.pages, r.listed, r.inserted, r.updated, r.unchanged, r.duplicates, r.record_errors, r.failed_pages, r.api_calls, r.listing_api_calls,
            count(p.page_no) AS p_count, max(p.page_no) AS p_max, coalesce(sum(p.listed), 0) AS p_listed,
            coalesce(sum(p.inserted), 0) AS p_inserted, coalesce(sum(p.updated), 0) AS p_updated, coalesce(sum(p.unchanged), 0) AS p_unchanged,
            coalesce(sum(p.duplicates), 0) AS p_duplicates, coalesce(sum(p.record_errors), 0) AS p_record_errors,
            count(p.page_no) FILTER (WHERE p.status = 'failed') AS p_failed, coalesce(sum(p.api_calls), 0) AS p_api_calls
     FROM ghl.sync_runs r LEFT JOIN ghl.sync_run_pages p ON p.run_id = r.id
     WHERE r.location_id = $1 GROUP BY r.id ORDER BY r.id`,
    [locationId],
  );
  for (const r of runs) {
    if (r.p_count !== (r.p_max ?? 0)) counterProblems.push(`run ${r.id}: page numbers are not 1..${r.p_count}`);
    if (r.pages !== r.p_count) counterProblems.push(`run ${r.id}: pages ${r.pages} but ${r.p_count} page rows`);
    if (r.listed > r.p_listed) counterProblems.push(`run ${r.id}: listed ${r.listed} > Σ page.listed ${r.p_listed}`);
    // Runs closed by the finalizer carry the page sums; runs failed before writing (coordinator_lost) may not.
    if (['completed', 'completed_without_sweep'].includes(r.status) || r.error_code === 'page_failed') {
      const pairs: Array<[string, number, number]> = [
        ['inserted', r.inserted, r.p_inserted],
        ['updated', r.updated, r.p_updated],
        ['unchanged', r.unchanged, r.p_unchanged],
        ['duplicates', r.duplicates, r.p_duplicates],
        ['record_errors', r.record_errors, r.p_record_errors],
        ['failed_pages', r.failed_pages, r.p_failed],
        ['api_calls', r.api_calls, r.listing_api_calls + r.p_api_calls],
      ];
      for (const [name, run, pages] of pairs)
        if (run !== pages) counterProblems.push(`run ${r.id}: ${name} ${run} but pages sum to ${pages}`);
    }
  }
  const lastCompleted = [...runs]
    .reverse()
    .find((r) => r.status === 'completed' || r.status === 'completed_without_sweep');
  if (lastCompleted) {
    const {
      rows: [w],
    } = await db.query<{ written: number }>(
      `SELECT count(*) AS written FROM ghl.opportunities WHERE last_seen_run_id = $1`,
      [lastCompleted.id],
    );
    const counted = lastCompleted.inserted + lastCompleted.updated + lastCompleted.unchanged;
    if (counted !== w!.written) {
      counterProblems.push(
        `run ${lastCompleted.id}: inserted+updated+unchanged = ${counted} but ${w!.written} distinct ids written`,
      );
      duplicated += Math.max(0, counted - w!.written);
    }
    if (
      lastCompleted.status === 'completed' &&
      lastCompleted.listed !== lastCompleted.p_listed - lastCompleted.p_duplicates
    ) {
      counterProblems.push(
        `run ${lastCompleted.id}: listed ${lastCompleted.listed} but Σ page.listed − duplicates = ${lastCompleted.p_listed - lastCompleted.p_duplicates}`,
      );
    }
  }
  return { checked, tombstoned, lost, differs, extraLive, duplicated, counterProblems };
}

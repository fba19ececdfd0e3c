import type { ContactRow, OpportunityRow, RecordErrorRow } from '@ghl-sync/db';
import { opportunitySchemaIssues, usableOpportunityId } from '@ghl-sync/ghl-client';
import { sanitizeJson } from './sanitize-json.js';

/** Result of {@link normalizeOpportunity}. `row` is absent only when the record has no usable id. */
export interface NormalizedOpportunity {
  row?: OpportunityRow;
  contact?: ContactRow;
  /** Record-level problems; stored in `ghl.sync_run_errors`, never fatal. */
  problems: RecordErrorRow[];
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

/**
 * GHL documents `monetaryValue` as a number (opportunities.json); real data also has null,
 * numeric strings and junk (ghl-api.md §1.4). Returns an exact decimal string for NUMERIC.
 */
export function parseMoney(value: unknown): { value: string | null; invalid: boolean } {
  if (value === null || value === undefined) return { value: null, invalid: false };
  if (typeof value === 'number')
    return Number.isFinite(value) ? { value: String(value), invalid: false } : { value: null, invalid: true };
  if (typeof value === 'string' && DECIMAL.test(value.trim())) return { value: value.trim(), invalid: false };
  return { value: null, invalid: true };
}

/** ISO-8601 in, ISO-8601 UTC out (or null), so the instant is independent of the process time zone. */
export function parseTimestamp(value: unknown): { value: string | null; invalid: boolean } {
  if (value === null || value === undefined || value === '') return { value: null, invalid: false };
  if (typeof value !== 'string' && typeof value !== 'number') return { value: null, invalid: true };
  const ms = typeof value === 'number' ? value : Date.parse(value);
  return Number.isFinite(ms) ? { value: new Date(ms).toISOString(), invalid: false } : { value: null, invalid: true };
}

/** Fields whose own rule below is authoritative (lenient parses the schema would refuse). */
const OWN_RULE_FIELDS = new Set([
  'id',
  'monetaryValue',
  'createdAt',
  'updatedAt',
  'lastStatusChangeAt',
  'lastStageChangeAt',
]);

/**
 * Maps one opportunity as received to the rows ghl-sync stores: the one place a record is checked
 * (the client returns records unchecked). Lenient by design: every record with an id is stored (the
 * whole of it in `raw`), and each oddity is reported as a problem: the amount and timestamps by
 * their own rules below, every other field against the official schema ({@link opportunitySchemaIssues}).
 */
export function normalizeOpportunity(record: unknown): NormalizedOpportunity {
  const problems: RecordErrorRow[] = [];
  const { value: clean, changed } = sanitizeJson(record);
  const r = (clean !== null && typeof clean === 'object' && !Array.isArray(clean) ? clean : {}) as Record<
    string,
    unknown
  >;
  const id = usableOpportunityId(r['id']);
  if (!id) {
    problems.push({
      opportunityId: null,
      code: 'record_missing_id',
      message: 'opportunity has no usable id (a string with a non-whitespace character); not stored',
      raw: clean,
    });
    return { problems };
  }
  if (changed)
    problems.push({
      opportunityId: id,
      code: 'record_sanitized_text',
      message: 'removed U+0000 and/or replaced lone UTF-16 surrogates with U+FFFD',
    });

  const money = parseMoney(r['monetaryValue']);
  if (money.invalid)
    problems.push({
      opportunityId: id,
      code: 'record_invalid_amount',
      message: `monetaryValue ${JSON.stringify(r['monetaryValue'])} is not a number; stored as NULL`,
    });

  const stamp = (field: string) => {
    const t = parseTimestamp(r[field]);
    if (t.invalid)
      problems.push({
        opportunityId: id,
        code: 'record_invalid_field',
        message: `${field} ${JSON.stringify(r[field])} is not a timestamp; stored as NULL`,
      });
    return t.value;
  };

  for (const issue of opportunitySchemaIssues(r)) {
    if (OWN_RULE_FIELDS.has(issue.path.split('.')[0]!)) continue;
    problems.push({
      opportunityId: id,
      code: 'record_invalid_field',
      message: `${issue.path}: ${issue.message}; kept as received in raw`,
    });
  }

  const contactRaw = r['contact'];
  let contact: ContactRow | undefined;
  if (contactRaw !== null && typeof contactRaw === 'object' && !Array.isArray(contactRaw)) {
    const c = contactRaw as Record<string, unknown>;
    const contactId = text(c['id']);
    if (contactId) {
      contact = {
        id: contactId,
        name: text(c['name']),
        companyName: text(c['companyName']),
        email: text(c['email']),
        phone: text(c['phone']),
        tags: Array.isArray(c['tags']) ? c['tags'] : null,
        raw: c,
      };
    }
  }

  const customFields = r['customFields'] ?? r['custom_fields'] ?? null;
  return {
    row: {
      id,
      name: text(r['name']),
      monetaryValue: money.value,
      status: text(r['status']),
      pipelineId: text(r['pipelineId']),
      pipelineStageId: text(r['pipelineStageId']),
      contactId: text(r['contactId']) ?? contact?.id ?? null,
      assignedTo: text(r['assignedTo']) || null,
      source: text(r['source']),
      lostReasonId: text(r['lostReasonId']),
      createdAt: stamp('createdAt'),
      updatedAt: stamp('updatedAt'),
      lastStatusChangeAt: stamp('lastStatusChangeAt'),
      lastStageChangeAt: stamp('lastStageChangeAt'),
      customFields,
      raw: r,
    },
    contact,
    problems,
  };
}

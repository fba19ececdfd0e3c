import type { OpportunityWebhookType } from '@ghl-sync/webhooks';
import type { OpportunityRecord } from '../data/opportunity-record.js';
import type { StoreChange } from '../data/store-change.js';

/** An event before its envelope (`timestamp`, `webhookId`): the flat fields of ghl-api.md §6.1. */
export type OpportunityEventBody = Record<string, unknown> & { type: OpportunityWebhookType };

// The flat field set of §6.1, in its order; `dateAdded` is the record's createdAt (§7 #13).
const FIELDS = [
  'assignedTo',
  'contactId',
  'monetaryValue',
  'name',
  'pipelineId',
  'pipelineStageId',
  'source',
  'status',
];

// Fields whose change has an event of its own (§6.1); anything else is an OpportunityUpdate.
const SPECIFIC: Array<{ fields: string[]; type: OpportunityWebhookType }> = [
  { fields: ['pipelineId', 'pipelineStageId'], type: 'OpportunityStageUpdate' },
  { fields: ['status'], type: 'OpportunityStatusUpdate' },
  { fields: ['monetaryValue'], type: 'OpportunityMonetaryValueUpdate' },
  { fields: ['assignedTo'], type: 'OpportunityAssignedToUpdate' },
];
// Bookkeeping that moves with the fields above, not a change of its own.
const DERIVED = new Set([
  'updatedAt',
  'lastStatusChangeAt',
  'lastStageChangeAt',
  'pipelineStageUId',
  ...SPECIFIC.flatMap((s) => s.fields),
]);

function bodyOf(type: OpportunityWebhookType, record: OpportunityRecord): OpportunityEventBody {
  const body: OpportunityEventBody = { type, locationId: record['locationId'], id: record['id'] };
  for (const field of FIELDS) if (record[field] !== undefined) body[field] = record[field];
  if (record['createdAt'] !== undefined) body['dateAdded'] = record['createdAt'];
  return body;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * The events GHL sends for one change (ghl-api.md §6.1): a create → `OpportunityCreate`; a delete
 * → `OpportunityDelete` with the record's last state; an update → one event per kind of change:
 * stage (or pipeline), status, value, assignee each have their own type, any other field (or none)
 * gives `OpportunityUpdate`. Which events GHL sends for an update that changes several things is
 * not documented; one per kind is our inference.
 */
export function opportunityEventsOf(change: StoreChange): OpportunityEventBody[] {
  if (change.kind === 'create') return [bodyOf('OpportunityCreate', change.after)];
  if (change.kind === 'delete') return [bodyOf('OpportunityDelete', change.before)];
  const { before, after } = change;
  const changed = (field: string) => !same(before[field], after[field]);
  const types = SPECIFIC.filter((s) => s.fields.some(changed)).map((s) => s.type);
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  if (types.length === 0 || [...keys].some((k) => !DERIVED.has(k) && changed(k))) types.unshift('OpportunityUpdate');
  return types.map((type) => bodyOf(type, after));
}

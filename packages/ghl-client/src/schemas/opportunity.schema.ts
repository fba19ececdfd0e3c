import { z } from 'zod';
import { GhlContact } from './contact.schema.js';

/**
 * One custom field value. The spec shape is `{ id, fieldValue }` but the key and value shape vary in
 * practice (`fieldValueString`…, ghl-api.md §1.6 / quirk 11), so only `id` is checked.
 */
export const GhlCustomFieldValue = z.looseObject({
  id: z.string().optional(),
  fieldValue: z.unknown().optional(),
});

/** A custom field value as received; see {@link GhlCustomFieldValue}. */
export type GhlCustomFieldValue = z.infer<typeof GhlCustomFieldValue>;

/**
 * An opportunity from `GET /opportunities/search` (`SearchOpportunitiesResponseSchema`, ghl-api.md §1.4).
 *
 * Lenient on purpose: the spec declares no required field and no nullability, real data has nulls and
 * undocumented fields. Every field is optional, `null` is accepted, unknown fields are kept
 * (`z.looseObject`). Known spec bugs are absorbed: `indexVersion` may be a number (spec: string);
 * `notes`/`tasks`/`calendarEvents`/`followers` are typed array-of-arrays in the spec, so items are unchecked.
 * A value of the wrong type is reported by {@link opportunitySchemaIssues} to the normaliser, never thrown.
 */
export const GhlOpportunity = z.looseObject({
  id: z.string().optional(),
  name: z.string().nullish(),
  monetaryValue: z.number().nullish(),
  pipelineId: z.string().nullish(),
  pipelineStageId: z.string().nullish(),
  pipelineStageUId: z.string().nullish(),
  assignedTo: z.string().nullish(),
  status: z.string().nullish(),
  source: z.string().nullish(),
  lastStatusChangeAt: z.string().nullish(),
  lastStageChangeAt: z.string().nullish(),
  lastActionDate: z.string().nullish(),
  indexVersion: z.union([z.number(), z.string()]).nullish(),
  createdAt: z.string().nullish(),
  updatedAt: z.string().nullish(),
  contactId: z.string().nullish(),
  locationId: z.string().nullish(),
  contact: GhlContact.nullish(),
  notes: z.array(z.unknown()).nullish(),
  tasks: z.array(z.unknown()).nullish(),
  calendarEvents: z.array(z.unknown()).nullish(),
  lostReasonId: z.string().nullish(),
  customFields: z.array(GhlCustomFieldValue).nullish(),
  followers: z.array(z.unknown()).nullish(),
  externalObjectId: z.string().nullish(),
  relations: z.array(z.unknown()).nullish(),
  attributions: z.array(z.unknown()).nullish(),
  /** Search-after key `[createdAtMs, sortId]` (undocumented, observed; ghl-api.md §1.4). */
  sort: z.array(z.union([z.number(), z.string(), z.null()])).nullish(),
});

/** An opportunity as received: optional known fields plus `[key: string]: unknown`; see {@link GhlOpportunity}. */
export type GhlOpportunity = z.infer<typeof GhlOpportunity>;

import { z } from 'zod';

/**
 * The opportunity event types GHL sends (docs/reference/ghl-api.md §6.1; the scope table lists
 * Create/Delete/StageUpdate/StatusUpdate/MonetaryValueUpdate, Update and AssignedToUpdate are
 * documented as events all the same).
 */
export const OPPORTUNITY_WEBHOOK_TYPES = [
  'OpportunityCreate',
  'OpportunityUpdate',
  'OpportunityDelete',
  'OpportunityStageUpdate',
  'OpportunityStatusUpdate',
  'OpportunityMonetaryValueUpdate',
  'OpportunityAssignedToUpdate',
] as const;
export type OpportunityWebhookType = (typeof OPPORTUNITY_WEBHOOK_TYPES)[number];

/** True when a webhook's `type` is one of {@link OPPORTUNITY_WEBHOOK_TYPES}. */
export function isOpportunityWebhookType(type: unknown): type is OpportunityWebhookType {
  return typeof type === 'string' && (OPPORTUNITY_WEBHOOK_TYPES as readonly string[]).includes(type);
}

// Only type, locationId and id are relied on. The record fields are the flat set of §6.1 (no
// customFields, no updatedAt; `dateAdded`, not `createdAt`), but §7 #12 reports nulls in `source`
// and `monetaryValue`, and the Delete payload's fields are an inference: every record field is
// optional and nullable, and unknown fields pass through untouched.
const opportunityWebhookFields = {
  locationId: z.string().min(1),
  id: z.string().min(1),
  /** Envelope (§6.1, from WebhookAuthentication.md): unique per delivery, the dedupe key. */
  webhookId: z.string().min(1).optional(),
  /** Envelope: ISO-8601 time GHL emitted the event. */
  timestamp: z.string().optional(),
  assignedTo: z.string().nullish(),
  contactId: z.string().nullish(),
  monetaryValue: z.number().nullish(),
  name: z.string().nullish(),
  pipelineId: z.string().nullish(),
  pipelineStageId: z.string().nullish(),
  source: z.string().nullish(),
  status: z.string().nullish(),
  dateAdded: z.string().nullish(),
};

function eventSchema<T extends OpportunityWebhookType>(type: T) {
  return z.looseObject({ type: z.literal(type), ...opportunityWebhookFields });
}

export const opportunityCreateEventSchema = eventSchema('OpportunityCreate');
export const opportunityUpdateEventSchema = eventSchema('OpportunityUpdate');
export const opportunityDeleteEventSchema = eventSchema('OpportunityDelete');
export const opportunityStageUpdateEventSchema = eventSchema('OpportunityStageUpdate');
export const opportunityStatusUpdateEventSchema = eventSchema('OpportunityStatusUpdate');
export const opportunityMonetaryValueUpdateEventSchema = eventSchema('OpportunityMonetaryValueUpdate');
export const opportunityAssignedToUpdateEventSchema = eventSchema('OpportunityAssignedToUpdate');

export type OpportunityCreateEvent = z.infer<typeof opportunityCreateEventSchema>;
export type OpportunityUpdateEvent = z.infer<typeof opportunityUpdateEventSchema>;
export type OpportunityDeleteEvent = z.infer<typeof opportunityDeleteEventSchema>;
export type OpportunityStageUpdateEvent = z.infer<typeof opportunityStageUpdateEventSchema>;
export type OpportunityStatusUpdateEvent = z.infer<typeof opportunityStatusUpdateEventSchema>;
export type OpportunityMonetaryValueUpdateEvent = z.infer<typeof opportunityMonetaryValueUpdateEventSchema>;
export type OpportunityAssignedToUpdateEvent = z.infer<typeof opportunityAssignedToUpdateEventSchema>;

/** Any documented opportunity event, discriminated by `type` (docs/reference/ghl-api.md §6.1). */
export const opportunityWebhookEventSchema = z.discriminatedUnion('type', [
  opportunityCreateEventSchema,
  opportunityUpdateEventSchema,
  opportunityDeleteEventSchema,
  opportunityStageUpdateEventSchema,
  opportunityStatusUpdateEventSchema,
  opportunityMonetaryValueUpdateEventSchema,
  opportunityAssignedToUpdateEventSchema,
]);
export type OpportunityWebhookEvent = z.infer<typeof opportunityWebhookEventSchema>;

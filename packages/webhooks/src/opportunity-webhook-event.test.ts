import { describe, expect, it } from 'vitest';
import {
  OPPORTUNITY_WEBHOOK_TYPES,
  isOpportunityWebhookType,
  opportunityDeleteEventSchema,
  opportunityWebhookEventSchema,
} from './index.js';

// The documented sample (docs/reference/ghl-api.md §6.1) with its envelope.
const sample = {
  type: 'OpportunityStatusUpdate',
  locationId: 'loc-1',
  id: 'opp-1',
  assignedTo: 'user-1',
  contactId: 'contact-1',
  monetaryValue: 40,
  name: 'First deal',
  pipelineId: 'pipe-1',
  pipelineStageId: 'stage-1',
  source: 'web',
  status: 'open',
  dateAdded: '2021-11-26T12:41:02.193Z',
  timestamp: '2026-11-29T10:00:00.000Z',
  webhookId: 'wh-1',
};

describe('opportunityWebhookEventSchema', () => {
  it('parses the documented payload of every opportunity event type', () => {
    for (const type of OPPORTUNITY_WEBHOOK_TYPES) {
      const parsed = opportunityWebhookEventSchema.parse({ ...sample, type });
      expect(parsed).toEqual({ ...sample, type });
    }
  });

  it('keeps unknown fields and accepts nulls and absent record fields', () => {
    const parsed = opportunityWebhookEventSchema.parse({
      type: 'OpportunityUpdate',
      locationId: 'loc-1',
      id: 'opp-1',
      source: null,
      monetaryValue: null,
      relations: [{ id: 'r' }],
    });
    expect(parsed).toEqual({
      type: 'OpportunityUpdate',
      locationId: 'loc-1',
      id: 'opp-1',
      source: null,
      monetaryValue: null,
      relations: [{ id: 'r' }],
    });
  });

  it('accepts a Delete carrying only its identity', () => {
    expect(opportunityDeleteEventSchema.parse({ type: 'OpportunityDelete', locationId: 'l', id: 'o' }).id).toBe('o');
  });

  it('refuses other types and payloads without locationId or id', () => {
    expect(opportunityWebhookEventSchema.safeParse({ ...sample, type: 'ContactCreate' }).success).toBe(false);
    expect(opportunityWebhookEventSchema.safeParse({ ...sample, id: undefined }).success).toBe(false);
    expect(opportunityWebhookEventSchema.safeParse({ ...sample, locationId: '' }).success).toBe(false);
  });

  it('tells opportunity event types from others', () => {
    expect(isOpportunityWebhookType('OpportunityAssignedToUpdate')).toBe(true);
    expect(isOpportunityWebhookType('INSTALL')).toBe(false);
    expect(isOpportunityWebhookType(undefined)).toBe(false);
  });
});

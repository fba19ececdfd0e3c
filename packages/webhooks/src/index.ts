export type { WebhookKeys } from './webhook-keys.js';
export type { SignatureCheck } from './signature-check.js';
export { verifyWebhookSignature, GHL_SIGNATURE_HEADER, LEGACY_SIGNATURE_HEADER } from './verify-webhook-signature.js';
export { GHL_WEBHOOK_RSA_PUBLIC_KEY_PEM } from './ghl-webhook-rsa-public-key.js';
export { signEd25519, signRsaSha256 } from './sign-webhook-body.js';
export {
  OPPORTUNITY_WEBHOOK_TYPES,
  isOpportunityWebhookType,
  opportunityCreateEventSchema,
  opportunityUpdateEventSchema,
  opportunityDeleteEventSchema,
  opportunityStageUpdateEventSchema,
  opportunityStatusUpdateEventSchema,
  opportunityMonetaryValueUpdateEventSchema,
  opportunityAssignedToUpdateEventSchema,
  opportunityWebhookEventSchema,
} from './opportunity-webhook-event.js';
export type {
  OpportunityWebhookType,
  OpportunityCreateEvent,
  OpportunityUpdateEvent,
  OpportunityDeleteEvent,
  OpportunityStageUpdateEvent,
  OpportunityStatusUpdateEvent,
  OpportunityMonetaryValueUpdateEvent,
  OpportunityAssignedToUpdateEvent,
  OpportunityWebhookEvent,
} from './opportunity-webhook-event.js';
export {
  APP_WEBHOOK_TYPES,
  isAppWebhookType,
  appWebhookEventSchema,
  type AppWebhookType,
  type AppWebhookEvent,
} from './app-webhook-event.js';

import { z } from 'zod';
import { locationIdSchema } from './sync-request.schema.js';

/** `:id` of a location. */
export const locationIdParamsSchema = z.object({ id: locationIdSchema });

/** Body of `PATCH /api/locations/:id`. Unknown keys are refused, so a misspelt field is not silently ignored. */
export const updateLocationBodySchema = z.strictObject({
  /**
   * GHL sends this location's opportunity webhooks to `POST /webhooks/ghl`. On: a default 30-minute
   * schedule becomes WEBHOOK_SCHEDULE_CRON (every 6 h); off: back to every 30 minutes.
   */
  webhooks: z.boolean(),
});
export type UpdateLocationBody = z.infer<typeof updateLocationBodySchema>;

import { RUN_MODES } from '@ghl-sync/db';
import { z } from 'zod';
import { LOCATION_ID_PATTERN, LOCATION_ID_RULE, MAX_RUN_ID } from '@ghl-sync/db';

/** A location id ({@link LOCATION_ID_PATTERN}); surrounding spaces are trimmed first. */
export const locationIdSchema = z.string().trim().regex(LOCATION_ID_PATTERN, `must be ${LOCATION_ID_RULE}`);

/** Body of `POST /api/syncs`. Unknown keys are refused so a typo (`allowMassDelete` misspelt) is not silently ignored. */
export const startSyncBodySchema = z.strictObject({
  /** The GHL location id, as registered with `ghl-sync locations add`. */
  locationId: locationIdSchema,
  /** `full` writes what changed; `resync` rewrites every page. */
  mode: z.enum(RUN_MODES),
  /** Let the sweep tombstone more than `SWEEP_MAX_DELETE_RATIO` of the live rows. @defaultValue false */
  allowMassDelete: z.boolean().optional(),
});
export type StartSyncBody = z.infer<typeof startSyncBodySchema>;

/** `:id` of a run: a positive integer in decimal, at most {@link MAX_RUN_ID} (the column is an `integer`). */
export const runIdParamsSchema = z.object({
  id: z
    .string()
    .regex(/^[1-9][0-9]{0,9}$/, `must be a run id: a whole number from 1 to ${MAX_RUN_ID}`)
    .transform(Number)
    .refine((n) => n <= MAX_RUN_ID, `must be a run id: a whole number from 1 to ${MAX_RUN_ID}`),
});

/** Query of `GET /api/syncs`. */
export const listSyncsQuerySchema = z.object({
  locationId: locationIdSchema.optional(),
  /** @defaultValue 20 */
  limit: z.coerce.number().int().min(1).max(200).default(20),
});

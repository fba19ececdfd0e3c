import { RUN_MODES } from '@ghl-sync/db';
import { z } from 'zod';

/** Body of `POST /api/syncs`. Unknown keys are refused so a typo (`allowMassDelete` misspelt) is not silently ignored. */
export const startSyncBodySchema = z.strictObject({
  /** The GHL location id, as registered with `ghl-sync locations add`. */
  locationId: z.string().trim().min(1).max(200),
  /** `full` writes what changed; `resync` rewrites every page. */
  mode: z.enum(RUN_MODES),
  /** Let the sweep tombstone more than `SWEEP_MAX_DELETE_RATIO` of the live rows. @defaultValue false */
  allowMassDelete: z.boolean().optional(),
});
export type StartSyncBody = z.infer<typeof startSyncBodySchema>;

/** `:id` of a run: a positive integer in decimal. */
export const runIdParamsSchema = z.object({
  id: z
    .string()
    .regex(/^[1-9][0-9]{0,14}$/, 'must be a positive integer run id')
    .transform(Number),
});

/** Query of `GET /api/syncs`. */
export const listSyncsQuerySchema = z.object({
  locationId: z.string().trim().min(1).max(200).optional(),
  /** @defaultValue 20 */
  limit: z.coerce.number().int().min(1).max(200).default(20),
});

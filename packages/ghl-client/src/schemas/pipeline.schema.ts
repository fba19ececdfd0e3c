import { z } from 'zod';

/**
 * A pipeline stage. The spec leaves stages untyped; observed shape `{ id (UUID), name, position (0-based),
 * showInFunnel, showInPieChart, originId? }` (ghl-api.md §2.2).
 */
export const GhlPipelineStage = z.looseObject({
  id: z.string().optional(),
  name: z.string().nullish(),
  position: z.number().nullish(),
  showInFunnel: z.boolean().nullish(),
  showInPieChart: z.boolean().nullish(),
  originId: z.string().nullish(),
});

/** A pipeline stage as received; see {@link GhlPipelineStage}. */
export type GhlPipelineStage = z.infer<typeof GhlPipelineStage>;

/**
 * A pipeline from `GET /opportunities/pipelines` (`PipelinesResponseSchema` plus observed `dateAdded`,
 * `dateUpdated`, `originId`; `locationId` absent in captures — ghl-api.md §2.2). Lenient like the opportunity schema.
 */
export const GhlPipeline = z.looseObject({
  id: z.string().optional(),
  name: z.string().nullish(),
  stages: z.array(GhlPipelineStage).nullish(),
  showInFunnel: z.boolean().nullish(),
  showInPieChart: z.boolean().nullish(),
  locationId: z.string().nullish(),
  colorRenderMode: z.string().nullish(),
  dateAdded: z.string().nullish(),
  dateUpdated: z.string().nullish(),
  originId: z.string().nullish(),
});

/** A pipeline as received; see {@link GhlPipeline}. */
export type GhlPipeline = z.infer<typeof GhlPipeline>;

import { z } from 'zod';

/**
 * `meta` of a search answer (`SearchMetaResponseSchema`, ghl-api.md §1.2). All optional; `null` accepted
 * (observed for `prevPage`, and for end-of-data sentinels). `startAfter` may arrive as a numeric string.
 */
export const GhlSearchMeta = z.looseObject({
  total: z.number().nullish(),
  nextPageUrl: z.string().nullish(),
  startAfterId: z.string().nullish(),
  startAfter: z.union([z.number(), z.string()]).nullish(),
  currentPage: z.number().nullish(),
  nextPage: z.union([z.number(), z.string()]).nullish(),
  prevPage: z.union([z.number(), z.string()]).nullish(),
});

/** Search `meta` as received; see {@link GhlSearchMeta}. */
export type GhlSearchMeta = z.infer<typeof GhlSearchMeta>;

import { z } from 'zod';

/**
 * Contact embedded in a search result (`SearchOpportunitiesContactResponseSchema`, ghl-api.md §1.5).
 * Lenient: every field optional, unknown fields (e.g. the observed `score: []`) kept; `null` accepted where
 * it was observed (`companyName`, `email`, `phone`).
 */
export const GhlContact = z.looseObject({
  id: z.string().optional(),
  name: z.string().nullish(),
  companyName: z.string().nullish(),
  email: z.string().nullish(),
  phone: z.string().nullish(),
  tags: z.array(z.string()).nullish(),
});

/** An embedded contact as received; see {@link GhlContact}. */
export type GhlContact = z.infer<typeof GhlContact>;

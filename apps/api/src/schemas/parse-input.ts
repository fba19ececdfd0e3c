import type { z } from 'zod';
import { GhlSyncError } from '@ghl-sync/errors';

/** One validation problem: where (`allowMassDelete`, `query.limit`) and what. */
export interface InputProblem {
  path: string;
  message: string;
}

/**
 * Parses request input with zod and throws `invalid_argument` listing EVERY problem in
 * `details.problems`, so a caller fixes a body in one round trip.
 * @param where - `body`, `query` or `params`; prefixes each problem's path.
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: 'body' | 'query' | 'params',
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems: InputProblem[] = parsed.error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  throw new GhlSyncError(
    'invalid_argument',
    `Invalid ${where}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
    { details: { problems } },
  );
}

import { GhlOpportunity } from './schemas/opportunity.schema.js';

/** A field of one opportunity record whose value does not match the official schema. */
export interface RecordIssue {
  /** Dotted path of the offending field (`monetaryValue`, `contact.tags.1`…). */
  path: string;
  /** What is wrong, from the schema. */
  message: string;
}

/**
 * The schema check of one opportunity as received ({@link GhlOpportunity}, official
 * `opportunities.json`, ghl-api.md §1.4). The client returns records unchecked; this is called once,
 * by the normaliser, which decides what each issue costs (the record is always stored raw). The `id`
 * is not checked here: {@link usableOpportunityId} is the one id rule.
 */
export function opportunitySchemaIssues(record: Record<string, unknown>): RecordIssue[] {
  const parsed = GhlOpportunity.safeParse(record);
  if (parsed.success) return [];
  return parsed.error.issues
    .map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }))
    .filter((issue) => issue.path !== 'id');
}

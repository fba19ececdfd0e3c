/**
 * THE rule for "is this a usable opportunity id", used everywhere a record's id is looked at (the
 * client's record checks, pass 1's marking and its `withoutId` count, the pagination guard, page
 * dedupe, normalisation), so pass 1 and the page writer always agree on which records have one.
 *
 * Usable: a string with at least one non-whitespace character. It is returned exactly as received,
 * never trimmed: GHL ids are opaque strings (20-character alphanumerics in practice, ghl-api.md §1.4),
 * and a trimmed copy would be a different key.
 *
 * @param value - the `id` field as received
 * @returns the id, or null for anything else (absent, '', whitespace only, not a string)
 */
export function usableOpportunityId(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

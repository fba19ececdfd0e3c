import { usableOpportunityId } from '@ghl-sync/ghl-client';

/** Result of {@link dedupeById}. */
export interface DedupeResult<T> {
  records: T[];
  /** How many records were dropped because a later copy of the same id won. */
  duplicates: number;
  duplicateIds: string[];
}

/**
 * Keeps one record per id: the later `updatedAt` wins; on a tie (or unparsable dates) the later
 * copy wins. Order of first appearance is kept. Records without a usable id
 * ({@link usableOpportunityId}) pass through untouched, each to be reported on its own.
 * Works on one page at a time: memory is bounded by the page size.
 */
export function dedupeById<T extends { id?: unknown; updatedAt?: unknown }>(records: T[]): DedupeResult<T> {
  const index = new Map<string, number>();
  const out: T[] = [];
  const duplicateIds: string[] = [];
  for (const record of records) {
    const id = usableOpportunityId(record.id);
    if (id === null) {
      out.push(record);
      continue;
    }
    const at = index.get(id);
    if (at === undefined) {
      index.set(id, out.length);
      out.push(record);
      continue;
    }
    duplicateIds.push(id);
    const kept = out[at]!;
    const keptTime = Date.parse(String(kept.updatedAt));
    const newTime = Date.parse(String(record.updatedAt));
    if (!(Number.isFinite(keptTime) && Number.isFinite(newTime) && keptTime > newTime)) out[at] = record;
  }
  return { records: out, duplicates: duplicateIds.length, duplicateIds };
}

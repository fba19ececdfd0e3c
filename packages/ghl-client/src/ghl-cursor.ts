/**
 * Opaque keyset cursor echoed from `meta` (ghl-api.md §1.3).
 *
 * `startAfter` is epoch milliseconds (a number in `meta`, sent as a string in the query);
 * `startAfterId` is whatever id GHL put in `meta.startAfterId` — observed to be the contact id
 * rather than the opportunity id, so never synthesise it from a record.
 */
export interface GhlCursor {
  /** Epoch milliseconds of the last record's sort key. */
  startAfter: number;
  /** Tie-break id of the last record's sort key. */
  startAfterId: string;
}

/** True when both cursors are present and carry the same key. */
export function sameCursor(a: GhlCursor | null | undefined, b: GhlCursor | null | undefined): boolean {
  return a != null && b != null && a.startAfter === b.startAfter && a.startAfterId === b.startAfterId;
}

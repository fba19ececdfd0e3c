import { generateCore, generateOpportunity, type OpportunityCore } from './generate-opportunity.js';
import type { LocationProfile } from './location-profile.js';
import type { OpportunityRecord } from './opportunity-record.js';
import type { OverlayState } from './overlay-state.js';
import { createdAtMsOf, firstIndexAtOrBefore } from './timeline.js';

/** Sort direction of a search: newest first (default) or `order=added_asc`. */
export type SortDirection = 'desc' | 'asc';

/** A keyset position: createdAt epoch ms plus the sort id (opportunity or contact id). */
export interface SortKey {
  ms: number;
  sid: string;
}

/** The fields search filters look at. */
export type FilterFields = Omit<OpportunityCore, 'createdAtMs'>;

/** One record in search order; the full record is built only when needed. */
export interface ViewEntry extends SortKey {
  fields(): FilterFields;
  record(): OpportunityRecord;
}

/** Whether `a` comes strictly before `b` in `dir` order. */
export function isBefore(a: SortKey, b: SortKey, dir: SortDirection): boolean {
  // Tie-break on the sort id in the same direction as createdAt: our inference from keyset
  // paging on `sort: [createdAt, id]` (ghl-api.md §1.3 [I]); no capture shows two equal ms.
  if (dir === 'desc') return a.ms > b.ms || (a.ms === b.ms && a.sid > b.sid);
  return a.ms < b.ms || (a.ms === b.ms && a.sid < b.sid);
}

/** createdAt of any record as epoch ms: ISO string or number; unparseable → 0. */
export function recordCreatedMs(record: OpportunityRecord): number {
  const value = record['createdAt'];
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) return ms;
  }
  return 0;
}

function str(value: unknown): string {
  return value === undefined || value === null ? '' : String(value);
}

function fieldsOfRecord(record: OpportunityRecord): FilterFields {
  return {
    id: str(record['id']),
    contactId: str(record['contactId']),
    status: str(record['status']),
    pipelineId: str(record['pipelineId']),
    pipelineStageId: str(record['pipelineStageId']),
    assignedTo:
      record['assignedTo'] === undefined || record['assignedTo'] === null ? undefined : String(record['assignedTo']),
  };
}

function overlayEntry(record: OpportunityRecord, mode: 'opportunity' | 'contact'): ViewEntry {
  const fields = fieldsOfRecord(record);
  return {
    ms: recordCreatedMs(record),
    sid: mode === 'contact' ? fields.contactId : fields.id,
    fields: () => fields,
    record: () => record,
  };
}

/**
 * A read view of one location: generated base records minus deletions plus patches, merged with
 * created and injected records, in keyset order. Seeking a cursor is O(log n); the search route
 * pulls `limit + 1` entries, so a page costs O(log n + limit) at any location size.
 */
export class RecordView {
  constructor(
    private readonly profile: LocationProfile,
    private readonly overlay: OverlayState,
    /** Created and injected records sorted newest first; see {@link buildExtras}. */
    private readonly extras: readonly ViewEntry[],
    private readonly mode: 'opportunity' | 'contact',
  ) {}

  /**
   * Sorts created and injected records newest first. Costs O(m log m) in their number m, so
   * callers cache the result per overlay version (see LocationStore).
   */
  static buildExtras(
    overlay: OverlayState,
    injected: readonly OpportunityRecord[],
    mode: 'opportunity' | 'contact',
  ): ViewEntry[] {
    const extras = [...overlay.created.values(), ...injected].map((r) => overlayEntry(r, mode));
    extras.sort((a, b) => (isBefore(a, b, 'desc') ? -1 : isBefore(b, a, 'desc') ? 1 : 0));
    return extras;
  }

  /** Number of records in the view, O(1). */
  get size(): number {
    return this.profile.count - this.overlay.deleted.size + this.extras.length;
  }

  private baseEntry(index: number): ViewEntry {
    const patch = this.overlay.patches.get(index);
    const core = generateCore(this.profile, index);
    const fields: FilterFields =
      patch === undefined ? core : { ...core, ...fieldsOfRecord({ ...core, ...patch }), id: core.id };
    const profile = this.profile;
    return {
      ms: core.createdAtMs,
      sid: this.mode === 'contact' ? fields.contactId : fields.id,
      fields: () => fields,
      record: () => {
        const generated = generateOpportunity(profile, index, core);
        return patch === undefined ? generated : { ...generated, ...patch };
      },
    };
  }

  private baseMs(index: number): number {
    return createdAtMsOf(this.profile.salt, index, this.profile.count);
  }

  private *baseEntries(after: SortKey | undefined, dir: SortDirection): Generator<ViewEntry> {
    const { salt, count } = this.profile;
    const step = dir === 'desc' ? 1 : -1;
    let i =
      dir === 'desc'
        ? after
          ? firstIndexAtOrBefore(salt, count, after.ms)
          : 0
        : after
          ? firstIndexAtOrBefore(salt, count, after.ms - 1) - 1
          : count - 1;
    while (i >= 0 && i < count) {
      const ms = this.baseMs(i);
      let j = i + step;
      while (j >= 0 && j < count && this.baseMs(j) === ms) j += step;
      const group: ViewEntry[] = [];
      for (let k = i; k !== j; k += step) if (!this.overlay.deleted.has(k)) group.push(this.baseEntry(k));
      if (group.length > 1) group.sort((a, b) => (isBefore(a, b, dir) ? -1 : 1));
      for (const entry of group) if (after === undefined || isBefore(after, entry, dir)) yield entry;
      i = j;
    }
  }

  /** First index of `extras` (sorted desc) whose entry satisfies a predicate monotone along it. */
  private firstExtra(pred: (entry: ViewEntry) => boolean): number {
    let lo = 0;
    let hi = this.extras.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (pred(this.extras[mid] as ViewEntry)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private *extraEntries(after: SortKey | undefined, dir: SortDirection): Generator<ViewEntry> {
    const list = this.extras;
    if (dir === 'desc') {
      // Entries after the cursor in desc order are the suffix strictly older than it.
      const start = after === undefined ? 0 : this.firstExtra((e) => isBefore(after, e, 'desc'));
      for (let k = start; k < list.length; k += 1) yield list[k] as ViewEntry;
    } else {
      // In asc order they are the prefix strictly newer than it, walked backwards.
      const end = after === undefined ? list.length : this.firstExtra((e) => !isBefore(e, after, 'desc'));
      for (let k = end - 1; k >= 0; k -= 1) yield list[k] as ViewEntry;
    }
  }

  /** All entries strictly after `after` (or from the start) in `dir` order. */
  *entries(after: SortKey | undefined, dir: SortDirection): Generator<ViewEntry> {
    const base = this.baseEntries(after, dir);
    const extra = this.extraEntries(after, dir);
    let a = base.next();
    let b = extra.next();
    while (!a.done || !b.done) {
      if (b.done || (!a.done && !isBefore(b.value, a.value, dir))) {
        yield a.value as ViewEntry;
        a = base.next();
      } else {
        yield b.value;
        b = extra.next();
      }
    }
  }

  /**
   * Number of records at or before `cursor` in `dir` order (those a client paging by this cursor
   * has already been served), without a filter: O(log n) plus the small deletion and extra sets.
   */
  countThrough(cursor: SortKey, dir: SortDirection): number {
    const { salt, count } = this.profile;
    const served = (key: SortKey): boolean => !isBefore(cursor, key, dir);
    const g0 = firstIndexAtOrBefore(salt, count, cursor.ms);
    const g1 = firstIndexAtOrBefore(salt, count, cursor.ms - 1);
    let through = dir === 'desc' ? g0 : count - g1;
    for (let k = g0; k < g1; k += 1) if (!this.overlay.deleted.has(k) && served(this.baseEntry(k))) through += 1;
    for (const d of this.overlay.deleted) if ((d < g0 || d >= g1) && served(this.baseEntry(d))) through -= 1;
    for (const entry of this.extras) if (served(entry)) through += 1;
    return through;
  }
}

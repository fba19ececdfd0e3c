import { describe, expect, it } from 'vitest';
import { createLocationProfile } from './location-profile.js';
import { LocationStore } from './location-store.js';
import { isBefore, type SortDirection } from './record-view.js';

describe('RecordView.countThrough', () => {
  it('matches a brute-force count in both directions with deletions, ties and extras', () => {
    const store = new LocationStore(createLocationProfile(9, 'countLocation0000001', 3000));
    const now = Date.UTC(2026, 10, 1);
    store.mutate({ create: 5, update: 10, delete: 30, seed: 1 }, now);
    store.create({ id: 'tieTieTieTieTieTie01', createdAt: new Date(now).toISOString() }, now);
    store.knobs = { ...store.knobs, pageRecords: [{ id: 'injected', createdAt: '2025-01-01T00:00:00.000Z' }] };
    const view = store.truthView();
    expect(view.size).toBe(3000 - 30 + 6 + 1);
    for (const dir of ['desc', 'asc'] as SortDirection[]) {
      const all = [...view.entries(undefined, dir)];
      expect(all).toHaveLength(view.size);
      for (let i = 1; i < all.length; i += 1) expect(isBefore(all[i - 1]!, all[i]!, dir)).toBe(true);
      for (const at of [0, 1, 2, 17, 500, 1499, 2975]) {
        const cursor = all[at]!;
        expect(view.countThrough({ ms: cursor.ms, sid: cursor.sid }, dir)).toBe(at + 1);
        const rest = [...view.entries({ ms: cursor.ms, sid: cursor.sid }, dir)];
        expect(rest.map((e) => e.sid)).toEqual(all.slice(at + 1).map((e) => e.sid));
      }
    }
  });
});

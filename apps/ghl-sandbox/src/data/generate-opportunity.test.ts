import { describe, expect, it } from 'vitest';
import { generateOpportunity } from './generate-opportunity.js';
import { createLocationProfile } from './location-profile.js';

describe('generated opportunities', () => {
  const profile = createLocationProfile(1, 'varietyLocation00001', 2000);
  const records = Array.from({ length: 2000 }, (_, i) => generateOpportunity(profile, i));

  it('are pure functions of (seed, location, index)', () => {
    expect(JSON.stringify(generateOpportunity(createLocationProfile(1, 'varietyLocation00001', 2000), 17))).toBe(
      JSON.stringify(records[17]),
    );
    expect(JSON.stringify(generateOpportunity(createLocationProfile(2, 'varietyLocation00001', 2000), 17))).not.toBe(
      JSON.stringify(records[17]),
    );
  });

  it('cover every documented customFields variant', () => {
    const fields = records.flatMap((r) => r['customFields'] as Array<Record<string, unknown>>);
    const kinds = new Set(
      fields.map((f) =>
        'fieldValueString' in f
          ? 'fieldValueString'
          : Array.isArray(f['fieldValue'])
            ? `array-of-${typeof (f['fieldValue'] as unknown[])[0]}`
            : typeof f['fieldValue'],
      ),
    );
    expect([...kinds].sort()).toEqual(['array-of-object', 'array-of-string', 'fieldValueString', 'object', 'string']);
    expect(records.some((r) => (r['customFields'] as unknown[]).length === 0)).toBe(true);
  });

  it('have realistic odd values: null/zero/fractional/large money, unicode names, nulls and absent keys', () => {
    const money = records.map((r) => r['monetaryValue']);
    expect(money).toContain(0);
    expect(money).toContain(null);
    expect(money.some((m) => typeof m === 'number' && !Number.isInteger(m))).toBe(true);
    expect(money.some((m) => typeof m === 'number' && m >= 1_000_000)).toBe(true);
    expect(records.some((r) => /\p{Extended_Pictographic}/u.test(r['name'] as string))).toBe(true);
    expect(records.some((r) => /[^\x00-\x7f]/.test(r['name'] as string))).toBe(true);
    expect(records.some((r) => r['lostReasonId'] !== null)).toBe(true);
    expect(records.some((r) => !('assignedTo' in r))).toBe(true);
    expect(records.some((r) => !('lastActionDate' in r))).toBe(true);
    expect(new Set(records.map((r) => r['status']))).toEqual(new Set(['open', 'won', 'lost', 'abandoned']));
    for (const r of records.slice(0, 50)) {
      expect(Date.parse(r['updatedAt'] as string)).toBeGreaterThanOrEqual(Date.parse(r['createdAt'] as string));
    }
  });
});

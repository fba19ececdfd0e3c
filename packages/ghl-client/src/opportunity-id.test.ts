import { describe, expect, it } from 'vitest';
import { opportunityKey, usableOpportunityId } from './index.js';

describe('usableOpportunityId', () => {
  it('keeps a string with a non-whitespace character exactly as received', () => {
    expect(usableOpportunityId('zT46WSCvzRrHFvVEG3ZO')).toBe('zT46WSCvzRrHFvVEG3ZO');
    expect(usableOpportunityId(' padded ')).toBe(' padded ');
  });

  it('refuses absent, empty, whitespace-only and non-string ids', () => {
    expect([undefined, null, '', '   ', '\t\n', 42, {}].map(usableOpportunityId)).toEqual([
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
  });

  it('is the rule of the createdAt key fallback', () => {
    const createdAt = '2025-12-01T16:06:30.468Z';
    const records = [
      { id: '', createdAt },
      { id: '   ', createdAt },
      { id: 'ok', createdAt },
    ];
    expect(records.map(opportunityKey)).toEqual([null, null, { startAfter: 1764605190468, startAfterId: 'ok' }]);
  });
});

import { describe, expect, it } from 'vitest';
import { validateSchedule } from './validate-schedule.js';

describe('validateSchedule', () => {
  it('accepts a cron pattern in an IANA zone and names every problem otherwise', () => {
    expect(validateSchedule('0 0 1 1 *', 'America/Chicago').toISOString()).toMatch(/-01-01T06:00:00.000Z$/);
    expect(() => validateSchedule('not a cron', 'UTC')).toThrow(/schedule "not a cron" is not a cron pattern/);
    expect(() => validateSchedule('not a cron', 'Mars/Olympus')).toThrow(
      /time zone "Mars\/Olympus".*; schedule "not a cron"/,
    );
  });
});

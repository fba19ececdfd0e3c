import { describe, expect, it } from 'vitest';
import { checkSweepGuards, type SweepGuardInput } from './sweep-guard.js';

const ok: SweepGuardInput = {
  listingComplete: true,
  listed: 1_000,
  listedWithoutId: 0,
  reportedTotal: 1_000,
  live: 1_000,
  unseen: 10,
  maxDeleteRatio: 0.1,
  totalTolerance: 0.02,
  totalToleranceAbs: 3,
  allowMassDelete: false,
};

describe('checkSweepGuards', () => {
  it('applies the guards in order: incomplete listing, total mismatch, mass delete', () => {
    expect(checkSweepGuards(ok)).toEqual({ sweep: true });
    expect(
      checkSweepGuards({ ...ok, listingComplete: false, listingErrorCode: 'ghl_server_error', reportedTotal: 5 }),
    ).toMatchObject({ sweep: false, code: 'ghl_server_error' });
    expect(checkSweepGuards({ ...ok, reportedTotal: 167_623, unseen: 500 })).toMatchObject({
      sweep: false,
      code: 'sweep_total_mismatch',
    });
    expect(checkSweepGuards({ ...ok, reportedTotal: null })).toMatchObject({
      sweep: false,
      code: 'sweep_total_mismatch',
    });
    expect(checkSweepGuards({ ...ok, listed: 999, listedWithoutId: 1 })).toMatchObject({
      sweep: false,
      code: 'record_missing_id',
    });
    expect(checkSweepGuards({ ...ok, unseen: 150 })).toMatchObject({ sweep: false, code: 'sweep_too_large' });
    expect(checkSweepGuards({ ...ok, unseen: 150, allowMassDelete: true })).toEqual({ sweep: true });
  });

  it('tolerates a relative gap on large locations and an absolute one on small ones', () => {
    expect(checkSweepGuards({ ...ok, listed: 980 })).toEqual({ sweep: true });
    expect(checkSweepGuards({ ...ok, listed: 979 })).toMatchObject({ sweep: false, code: 'sweep_total_mismatch' });
    expect(checkSweepGuards({ ...ok, listed: 13, reportedTotal: 14, live: 13, unseen: 0 })).toEqual({ sweep: true });
    expect(checkSweepGuards({ ...ok, listed: 10, reportedTotal: 14, live: 10, unseen: 0 })).toMatchObject({
      sweep: false,
      code: 'sweep_total_mismatch',
    });
  });
});

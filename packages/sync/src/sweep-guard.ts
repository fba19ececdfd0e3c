import type { ErrorCode } from '@ghl-sync/errors';

/** Inputs of {@link checkSweepGuards}. */
export interface SweepGuardInput {
  /** Pass 1 finished every page without error. */
  listingComplete: boolean;
  listingErrorCode?: ErrorCode;
  listingError?: string;
  /** Distinct ids pass 1 saw. */
  listed: number;
  /** Records pass 1 saw without a usable id: their rows cannot be told apart from deleted ones. */
  listedWithoutId: number;
  /** `meta.total` of the first page (null when GHL did not say). */
  reportedTotal: number | null;
  /** Live rows of the location and how many of them pass 1 did not see. */
  live: number;
  unseen: number;
  maxDeleteRatio: number;
  totalTolerance: number;
  /** Allowed absolute gap in records, whatever the size: one deletion during pass 1 must not block a 20-record location. */
  totalToleranceAbs: number;
  allowMassDelete: boolean;
}

/** Verdict of {@link checkSweepGuards}. */
export type SweepVerdict = { sweep: true } | { sweep: false; code: ErrorCode; reason: string };

/**
 * The guards in front of the sweep, in order. A sweep deletes what a listing did not show, so it
 * runs only when the listing is complete, agrees with GHL's own count, and would not remove an
 * implausible share of the location.
 */
export function checkSweepGuards(input: SweepGuardInput): SweepVerdict {
  if (!input.listingComplete) {
    return {
      sweep: false,
      code: input.listingErrorCode ?? 'listing_incomplete',
      reason: `pass 1 did not finish every page: ${input.listingError ?? 'unknown error'}`,
    };
  }
  if (input.listedWithoutId > 0) {
    return {
      sweep: false,
      code: 'record_missing_id',
      reason: `pass 1 met ${input.listedWithoutId} record(s) without an id; their rows cannot be told from deleted ones`,
    };
  }
  if (input.reportedTotal === null) {
    return {
      sweep: false,
      code: 'sweep_total_mismatch',
      reason: 'GHL reported no meta.total, so the listing cannot be checked',
    };
  }
  const gap = Math.abs(input.listed - input.reportedTotal);
  const allowedGap = Math.max(
    input.totalTolerance * Math.max(input.reportedTotal, input.listed),
    input.totalToleranceAbs,
  );
  if (gap > allowedGap) {
    return {
      sweep: false,
      code: 'sweep_total_mismatch',
      reason: `listed ${input.listed} distinct ids but meta.total is ${input.reportedTotal} (tolerance ${input.totalTolerance * 100}% or ${input.totalToleranceAbs} records)`,
    };
  }
  if (input.unseen > 0 && !input.allowMassDelete && input.unseen > input.maxDeleteRatio * input.live) {
    const share = ((input.unseen / Math.max(1, input.live)) * 100).toFixed(1);
    return {
      sweep: false,
      code: 'sweep_too_large',
      reason: `sweep would tombstone ${input.unseen} of ${input.live} live rows (${share}% > ${input.maxDeleteRatio * 100}%); rerun with allow-mass-delete if that is real`,
    };
  }
  return { sweep: true };
}

import { ACTIVE_RUN_STATUSES, type ListingPlan, type SyncRun } from '@ghl-sync/db';
import { plural } from './plural.js';

/** The `--json` shape of a run (stable: scripts parse it). */
export interface RunJson {
  runId: number;
  locationId: string;
  status: string;
  listed: number;
  pages: number;
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
  failedPages: number;
  apiCalls: number;
  durationMs: number | null;
  /** Runs of webhook locations: what webhooks had missed (0 = nothing lost); null otherwise. */
  drift: number | null;
  /** Live rows pass 1 did not see, when the sweep counted them; null before (or no sweep). */
  sweepCandidates: number | null;
  /** The verification cap in force then (SWEEP_VERIFY_MAX, lowered by its budget share); above it the guards decided. */
  sweepVerifyMax: number | null;
  /** Candidates GHL confirmed gone (tombstoned). */
  sweepVerifiedGone: number;
  /** Candidates GHL still had (missed by the listing, kept and rewritten). */
  sweepVerifiedAlive: number;
  /** How pass 1 listed; null before it chose. */
  listingPlan: ListingPlanJson | null;
  error?: string | null;
}

/** The `--json` shape of a run's listing plan (the partitions themselves are in the API's run). */
export interface ListingPlanJson {
  kind: ListingPlan['kind'];
  /** Cursor chains run at once (1 for `single`). */
  chains: number;
  /** Disjoint partitions listed (0 for `single`: the unfiltered listing). */
  partitions: number;
  /** Answer time of the first search request, in ms. */
  answerMs: number;
  /** `single` only: why one chain (enough for the budget, or why partitions were not used); else null. */
  reason: string | null;
}

function planToJson(plan: ListingPlan | null): ListingPlanJson | null {
  if (plan === null) return null;
  return plan.kind === 'single'
    ? { kind: 'single', chains: 1, partitions: 0, answerMs: plan.answerMs, reason: plan.reason }
    : {
        kind: 'partitioned',
        chains: plan.chains,
        partitions: plan.partitions.length,
        answerMs: plan.answerMs,
        reason: null,
      };
}

export function runToJson(run: SyncRun): RunJson {
  return {
    runId: run.id,
    locationId: run.locationId,
    status: run.status,
    listed: run.listed,
    pages: run.pages,
    inserted: run.inserted,
    updated: run.updated,
    unchanged: run.unchanged,
    deleted: run.deleted,
    failedPages: run.failedPages,
    apiCalls: run.apiCalls,
    durationMs: run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : null,
    drift: run.drift,
    sweepCandidates: run.sweepCandidates,
    sweepVerifyMax: run.sweepVerifyMax,
    sweepVerifiedGone: run.sweepVerifiedGone,
    sweepVerifiedAlive: run.sweepVerifiedAlive,
    listingPlan: planToJson(run.listingPlan),
    error: run.error,
  };
}

/** A human summary block of a run (`sync --wait`, `runs show`, the demo). */
export function formatRunSummary(run: SyncRun): string {
  const j = runToJson(run);
  const secs = j.durationMs === null ? '-' : `${(j.durationMs / 1000).toFixed(1)} s`;
  const lines = [
    `Run ${j.runId} · location ${j.locationId} · ${j.status} in ${secs}`,
    `  listed ${j.listed} on ${plural(j.pages, 'page')} · inserted ${j.inserted} · updated ${j.updated} · unchanged ${j.unchanged} · deleted ${j.deleted}`,
    `  failed pages ${j.failedPages} · record errors ${run.recordErrors} · duplicates ${run.duplicates} · GHL requests ${j.apiCalls} · sweep ${sweepLabel(run)}`,
  ];
  if (j.listingPlan) lines.push(`  listing: ${planLabel(j.listingPlan)}`);
  const verified = run.sweepVerifiedGone + run.sweepVerifiedAlive;
  if (verified > 0)
    lines.push(
      `  sweep verified ${verified} of ${run.sweepCandidates ?? 0} candidates with GHL: ${run.sweepVerifiedGone} gone (tombstoned), ${run.sweepVerifiedAlive} still there (missed by the listing, kept)`,
    );
  else if (run.sweepCandidates !== null && run.sweepVerifyMax !== null && run.sweepCandidates > run.sweepVerifyMax)
    lines.push(
      `  sweep: ${plural(run.sweepCandidates, 'candidate')}, above SWEEP_VERIFY_MAX ${run.sweepVerifyMax}: not verified, guards decided`,
    );
  if (run.webhooks)
    lines.push(
      `  reconciliation (webhooks on): drift ${j.drift ?? (ACTIVE_RUN_STATUSES.includes(run.status) ? 'not known until the run ends' : 'not counted (no baseline: no earlier run completed since webhooks were turned on)')}${j.drift ? ' rows webhooks had missed' : ''}`,
    );
  if (run.error) lines.push(`  note: ${run.errorCode ? `${run.errorCode}: ` : ''}${run.error}`);
  return lines.join('\n');
}

/** One line of how pass 1 listed: its chains and partitions, or why it used one chain. */
function planLabel(plan: ListingPlanJson): string {
  const answer = `first answer in ${plan.answerMs} ms`;
  return plan.kind === 'single'
    ? `single chain, ${answer}: ${plan.reason ?? 'no reason recorded'}`
    : `${plural(plan.chains, 'chain')} over ${plural(plan.partitions, 'partition')} (${answer})`;
}

/** `pending` only while the sweep may still happen; a run that ended before it reads `not run`. */
function sweepLabel(run: SyncRun): string {
  return run.sweepStatus === 'pending' && !ACTIVE_RUN_STATUSES.includes(run.status) ? 'not run' : run.sweepStatus;
}

/** Exit code for a finished run: 0 only when it completed. */
export function exitCodeFor(run: SyncRun): number {
  return run.status === 'completed' ? 0 : 2;
}

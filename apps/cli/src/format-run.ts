import { ACTIVE_RUN_STATUSES, type SyncRun } from '@ghl-sync/db';
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
  error?: string | null;
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
  if (run.sweepVerifiedGone + run.sweepVerifiedAlive > 0)
    lines.push(
      `  sweep verified ${run.sweepVerifiedGone + run.sweepVerifiedAlive} of ${run.sweepCandidates ?? 0} candidates with GHL: ${run.sweepVerifiedGone} gone (tombstoned), ${run.sweepVerifiedAlive} still there (missed by the listing, kept)`,
    );
  if (run.webhooks)
    lines.push(
      `  reconciliation (webhooks on): drift ${j.drift ?? (ACTIVE_RUN_STATUSES.includes(run.status) ? 'not known until the run ends' : 'not counted (no baseline: no earlier run completed with webhooks on)')}${j.drift ? ' rows webhooks had missed' : ''}`,
    );
  if (run.error) lines.push(`  note: ${run.errorCode ? `${run.errorCode}: ` : ''}${run.error}`);
  return lines.join('\n');
}

/** `pending` only while the sweep may still happen; a run that ended before it reads `not run`. */
function sweepLabel(run: SyncRun): string {
  return run.sweepStatus === 'pending' && !ACTIVE_RUN_STATUSES.includes(run.status) ? 'not run' : run.sweepStatus;
}

/** Exit code for a finished run: 0 only when it completed. */
export function exitCodeFor(run: SyncRun): number {
  return run.status === 'completed' ? 0 : 2;
}

import type { Db, SyncRun } from '@ghl-sync/db';
import { QUEUES, runKey, type Queues } from '@ghl-sync/queues';

/** One moment of a run, in epoch ms (every clock here is this machine's: Postgres, workers, sandbox). */
export interface TimelineMark {
  label: string;
  atMs: number;
}

/** The stretch between two consecutive marks and what the rate budget did in it. */
export interface TimelinePhase {
  /** "from → to", by the marks' labels. */
  label: string;
  /** Start, in ms after the run was opened. */
  fromMs: number;
  durationMs: number;
  /** Requests the sandbox admitted in [from, to). */
  requests: number;
  /**
   * Budget left unused, in ms: the phase's duration minus the time its requests take at the
   * limiter's spacing (negative when a phase drew on the burst).
   */
  idleMs: number;
}

/** Where one run's time went. */
export interface RunTimeline {
  marks: TimelineMark[];
  phases: TimelinePhase[];
  /** Requests admitted before the first mark or after the last (none, for a clean run). */
  outside: number;
}

/** Inputs of {@link runTimeline}. */
export interface RunTimelineInput {
  db: Db;
  queues: Queues;
  /** The finished run. */
  run: SyncRun;
  /** When the sandbox admitted each of the run's requests (`admin.getAcceptedTimes`), epoch ms. */
  acceptedTimes: number[];
  /** The limiter's spacing between two requests, in ms (10 s ÷ 92 at 100 per 10 s with the 5 % margin). */
  spacingMs: number;
}

/**
 * The phase timeline of a finished run, from the run row, its page rows (`listed_at` is when
 * pass 1 recorded the page, right after its answer; page jobs' `started_at` / `finished_at`), the
 * coordinator and finalize jobs Redis still keeps (picked up, enqueued) and the sandbox's
 * admission times. Each phase says how much of the rate budget it left idle, so the figures show
 * where a run waits on latency rather than on the budget.
 */
export async function runTimeline(input: RunTimelineInput): Promise<RunTimeline> {
  const { db, queues, run } = input;
  const { rows } = await db.query<{
    first_listed: Date | null;
    last_listed: Date | null;
    first_start: Date | null;
    last_finish: Date | null;
  }>(
    `SELECT min(listed_at) AS first_listed, max(listed_at) AS last_listed,
            min(started_at) AS first_start, max(finished_at) AS last_finish
       FROM ghl.sync_run_pages WHERE run_id = $1`,
    [run.id],
  );
  const pages = rows[0];
  const coordinator = run.coordinatorJobId ? await queues.coordinator.getJob(run.coordinatorJobId) : undefined;
  const finalize = await queues.finalize.getJob(QUEUES.finalize.jobId(runKey(run)));
  const times = input.acceptedTimes;
  const candidates: Array<[string, number | null | undefined]> = [
    ['run opened', run.startedAt.getTime()],
    ['coordinator picked up', coordinator?.processedOn],
    ['first request', times[0]],
    ['first page recorded', pages?.first_listed?.getTime()],
    ['last page listed', pages?.last_listed?.getTime()],
    ['pass 1 closed', run.listingFinishedAt?.getTime()],
    ['page flow enqueued', finalize?.timestamp],
    ['first page job', pages?.first_start?.getTime()],
    ['last page written', pages?.last_finish?.getTime()],
    ['finalize picked up', finalize?.processedOn],
    ['run finished', run.finishedAt?.getTime()],
  ];
  const marks = candidates
    .filter((c): c is [string, number] => typeof c[1] === 'number' && Number.isFinite(c[1]))
    .map(([label, atMs]) => ({ label, atMs }))
    // Clocks of different processes, rounded to the ms: keep the timeline in time order whatever.
    .sort((a, b) => a.atMs - b.atMs);
  const origin = marks[0]?.atMs ?? 0;
  const inRange = (from: number, to: number) => times.filter((t) => t >= from && t < to).length;
  const phases: TimelinePhase[] = [];
  for (let i = 1; i < marks.length; i++) {
    const from = marks[i - 1]!;
    const to = marks[i]!;
    const requests = inRange(from.atMs, to.atMs);
    phases.push({
      label: `${from.label} → ${to.label}`,
      fromMs: from.atMs - origin,
      durationMs: to.atMs - from.atMs,
      requests,
      idleMs: to.atMs - from.atMs - requests * input.spacingMs,
    });
  }
  const first = marks[0]?.atMs ?? 0;
  const last = marks.at(-1)?.atMs ?? 0;
  return { marks, phases, outside: times.filter((t) => t < first || t >= last).length };
}

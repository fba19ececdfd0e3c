import type { Db, SyncRun } from '@ghl-sync/db';
import type { Sandbox } from '@ghl-sync/ghl-sandbox';
import { compareWithSandbox, waitForRun } from '@ghl-sync/sync';
import { startRun } from '@ghl-sync/sync/runs';
import type { CliContext } from '../cli-context.js';
import { formatRunSummary } from '../format-run.js';
import { plural } from '../plural.js';
import { liveWebhooksAct } from './live-webhooks-act.js';
import type { RunProgress } from './run-progress.js';

/** What every act of the demo can use. */
export interface DemoStage {
  ctx: CliContext;
  db: Db;
  sandbox: Sandbox;
  /** Prints a line of the story. */
  say(line: string): void;
  progress: RunProgress;
  /** Every run the demo started, in order; a run that did not complete fails the demo. */
  runs: SyncRun[];
  /** Marks the demo failed (exit 1) and says why. */
  fail(reason: string): void;
}

/** One act of the demo's story: a heading and what happens under it. */
export interface DemoAct {
  title: string;
  play(stage: DemoStage): Promise<void>;
}

/**
 * The demo's story, played in order. A new act (another way data reaches Postgres, another check)
 * is one more entry here.
 */
export const DEMO_ACTS: readonly DemoAct[] = [
  { title: 'First sync: both locations, in parallel', play: syncEveryLocation },
  {
    title: 'Upstream changes',
    async play(stage) {
      const main = stage.sandbox.locations[0]!;
      const changed = stage.sandbox.admin.mutate(main.id, { create: 25, update: 40, delete: 12, seed: 2026 });
      stage.say(
        `  in ${main.id}: ${changed.created.length} added, ${changed.updated.length} updated, ${changed.deleted.length} deleted`,
      );
    },
  },
  { title: 'Second sync', play: syncEveryLocation },
  liveWebhooksAct,
  {
    title: 'Verifying Postgres against the sandbox',
    async play(stage) {
      for (const l of stage.sandbox.locations) {
        const result = await compareWithSandbox(stage.db, stage.sandbox, l.id);
        stage.say(
          `  ${l.id}: ${plural(result.checked, 'upstream opportunity', 'upstream opportunities')} checked, ${plural(result.tombstoned, 'tombstoned row')}, ${plural(result.mismatches.length, 'mismatch', 'mismatches')}`,
        );
        for (const m of result.mismatches.slice(0, 10)) stage.say(`    ${m}`);
        if (result.mismatches.length) stage.fail(`${l.id} differs from the sandbox`);
      }
    },
  },
];

/** Starts a run of every sandbox location at once, shows their progress, then their summaries. */
async function syncEveryLocation(stage: DemoStage): Promise<void> {
  const started: SyncRun[] = [];
  for (const l of stage.sandbox.locations) {
    const { run } = await startRun(stage.ctx.runs(), { locationId: l.id, trigger: 'demo' });
    started.push(run);
  }
  const finished = await Promise.all(
    started.map(async (run) => {
      const done = await waitForRun({
        db: stage.db,
        queues: stage.ctx.queues(),
        runId: run.id,
        timeoutMs: 15 * 60_000,
        onProgress: (line, current) => stage.progress.update(current, line),
        onNoWorker: (line) => stage.progress.log(`warning: ${line}`),
      });
      stage.progress.finish(done);
      return done;
    }),
  );
  stage.progress.close();
  for (const run of finished) {
    stage.say(formatRunSummary(run));
    if (run.status !== 'completed') stage.fail(`run ${run.id} ended ${run.status}`);
  }
  stage.runs.push(...finished);
}

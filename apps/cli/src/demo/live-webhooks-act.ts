import { randomBytes } from 'node:crypto';
import { startApi } from '@ghl-sync/api';
import { databaseNow, listRuns, listWebhookEventsSince, setLocationWebhooks } from '@ghl-sync/db';
import { compareWithSandbox } from '@ghl-sync/sync';
import { plural } from '../plural.js';
import type { DemoAct, DemoStage } from './demo-acts.js';
import { latencySummary } from './latency-summary.js';

/** Changes of each kind the act makes: creates, updates, stage moves and deletes (20 in all). */
const PER_KIND = 5;
/** Pause between two changes, in ms: a few seconds of live activity rather than one burst. */
const CHANGE_GAP_MS = 100;
/**
 * How long the act waits for every event to be applied before it fails the demo, in ms. Generous:
 * it is a bound for a loaded machine, not the figure the act reports (that is measured).
 */
const APPLY_TIMEOUT_MS = 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The live act: webhooks on for the main location, the API's intake listening, then 20 changes
 * made in the sandbox (creates, updates, stage moves, deletes), each sent as a signed webhook the
 * way GHL sends it. Postgres follows within seconds with no sync run; the act prints the measured
 * event-to-row latencies (from the change's `timestamp` to the row written) and checks the rows.
 */
export const liveWebhooksAct: DemoAct = {
  title: 'Live: 20 changes by webhook, no full sync',
  play: playLiveWebhooks,
};

async function playLiveWebhooks(stage: DemoStage): Promise<void> {
  const { db, sandbox } = stage;
  const main = sandbox.locations[0]!;
  const keys = await sandbox.admin.webhookKeys();
  // An API of the demo's own: its admin token is never shown nor needed (only the public webhook
  // route is used), and its keys are the sandbox's, as a GHL app's would be GHL's.
  const api = await startApi(
    {
      ...stage.ctx.config,
      ADMIN_TOKEN: randomBytes(32).toString('base64url'),
      API_HOST: '127.0.0.1',
      API_PORT: 0,
      GHL_WEBHOOK_ED25519_PUBLIC_KEY: keys.ed25519PublicKeyPem,
      GHL_WEBHOOK_RSA_PUBLIC_KEY: keys.rsaPublicKeyPem,
    },
    stage.ctx.logger,
  );
  try {
    await setLocationWebhooks(db, main.id, true);
    const intake = `${api.url}/webhooks/ghl`;
    sandbox.admin.setWebhookSettings({ url: intake, locationIds: [main.id] });
    stage.say(`  webhook intake at ${intake}; webhooks on for ${main.id}`);

    const [lastRun] = await listRuns(db, { locationId: main.id, limit: 1 });
    const since = await databaseNow(db);
    const emittedBefore = sandbox.admin.getWebhookStats().emitted;
    const made = await makeChanges(stage, main.id);
    await sandbox.admin.webhooksIdle();
    const stats = sandbox.admin.getWebhookStats();
    const emitted = stats.emitted - emittedBefore;
    stage.say(
      `  in ${main.id}: ${plural(made.total, 'change')} made live (${made.created} created, ${made.updated} updated, ${made.moved} moved to another stage, ${made.deleted} deleted) → ${plural(emitted, 'webhook')}`,
    );

    const events = await waitForApplied(stage, main.id, since, emitted);
    if (!events) return;
    const latencies = events.map((e) => e.appliedAt!.getTime() - (e.eventAt ?? e.receivedAt).getTime());
    const { p50, max } = latencySummary(latencies);
    const [runAfter] = await listRuns(db, { locationId: main.id, limit: 1 });
    const noRun = runAfter?.id === lastRun?.id;
    stage.say(
      `  ${plural(events.length, 'event')} applied in Postgres, ${noRun ? 'no sync run' : `but run ${runAfter?.id} started`}: event-to-row p50 ${seconds(p50)}, max ${seconds(max)}`,
    );
    if (!noRun) stage.fail('a sync run started during the live act');

    const check = await compareWithSandbox(db, sandbox, main.id);
    stage.say(
      `  ${main.id}: ${plural(check.checked, 'upstream opportunity', 'upstream opportunities')} checked after the webhooks, ${plural(check.mismatches.length, 'mismatch', 'mismatches')}`,
    );
    for (const m of check.mismatches.slice(0, 10)) stage.say(`    ${m}`);
    if (check.mismatches.length) stage.fail(`${main.id} differs from the sandbox after the webhooks`);
  } finally {
    sandbox.admin.setWebhookSettings({ url: null });
    await api.close();
  }
}

interface ChangesMade {
  total: number;
  created: number;
  updated: number;
  moved: number;
  deleted: number;
}

/**
 * Makes up to {@link PER_KIND} changes of each kind, interleaved and {@link CHANGE_GAP_MS} apart,
 * on opportunities that exist (fewer when the location is small). Deterministic: the same ids and
 * values at every demo of the same seed.
 */
async function makeChanges(stage: DemoStage, locationId: string): Promise<ChangesMade> {
  const { admin } = stage.sandbox;
  const existing: Array<Record<string, unknown>> = [];
  const stagesByPipeline = new Map<string, Set<string>>();
  for await (const o of admin.exportOpportunities(locationId)) {
    if (existing.length < 3 * PER_KIND) existing.push(o);
    const pipeline = String(o['pipelineId']);
    const stages = stagesByPipeline.get(pipeline) ?? new Set<string>();
    stages.add(String(o['pipelineStageId']));
    stagesByPipeline.set(pipeline, stages);
  }
  const toUpdate = existing.slice(0, PER_KIND);
  const toMove = existing.slice(PER_KIND, 2 * PER_KIND);
  const toDelete = existing.slice(2 * PER_KIND, 3 * PER_KIND);
  const made: ChangesMade = { total: 0, created: 0, updated: 0, moved: 0, deleted: 0 };
  const gap = async () => {
    made.total += 1;
    await sleep(CHANGE_GAP_MS);
  };
  for (let i = 0; i < PER_KIND; i++) {
    admin.createOpportunity(locationId, { name: `Live deal ${i + 1}` });
    made.created += 1;
    await gap();
    const update = toUpdate[i];
    if (update) {
      admin.updateOpportunity(locationId, String(update['id']), {
        name: `${String(update['name'])} (renegotiated)`,
        monetaryValue: 1_000 * (i + 1) + 0.5,
      });
      made.updated += 1;
      await gap();
    }
    const move = toMove[i];
    const other = move
      ? [...(stagesByPipeline.get(String(move['pipelineId'])) ?? [])].find((s) => s !== move['pipelineStageId'])
      : undefined;
    if (move && other) {
      admin.updateOpportunity(locationId, String(move['id']), { pipelineStageId: other });
      made.moved += 1;
      await gap();
    }
    const remove = toDelete[i];
    if (remove) {
      admin.deleteOpportunity(locationId, String(remove['id']));
      made.deleted += 1;
      await gap();
    }
  }
  return made;
}

/**
 * Waits until `expected` events stored since `since` are all applied, polling Postgres.
 * @returns the events, or null when the demo failed (time out, or events refused or lost).
 */
async function waitForApplied(stage: DemoStage, locationId: string, since: Date, expected: number) {
  const deadline = Date.now() + APPLY_TIMEOUT_MS;
  for (;;) {
    const events = (await listWebhookEventsSince(stage.db, locationId, since)).filter((e) => e.outcome === 'accepted');
    const applied = events.filter((e) => e.appliedAt !== null);
    if (events.length >= expected && applied.length === events.length) return applied;
    if (Date.now() > deadline) {
      stage.fail(
        `${applied.length} of ${plural(expected, 'webhook')} applied within ${APPLY_TIMEOUT_MS / 1000} s (${events.length} accepted)`,
      );
      return null;
    }
    await sleep(100);
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

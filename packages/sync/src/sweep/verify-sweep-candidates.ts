import {
  addRunApiCalls,
  addRunError,
  databaseNow,
  finishVerifiedSweep,
  listSweepCandidates,
  markVerifiedAlive,
  tombstoneVerifiedGone,
  writeOpportunityRecord,
  type SyncRun,
} from '@ghl-sync/db';
import type { GhlClient } from '@ghl-sync/ghl-client';
import { attemptsOf } from '../attempts-of.js';
import { normalizeOpportunity } from '../normalize-opportunity.js';
import type { SyncDeps } from '../sync-deps.js';

/** Candidates read per batch; each is then confirmed with one GET. */
const BATCH = 100;

/** What {@link verifySweepCandidates} did in this call (a resumed sweep continues the run's counters). */
export interface VerifiedSweep {
  gone: number;
  alive: number;
}

/**
 * The verified sweep: every candidate (a live row pass 1 did not see) is confirmed with
 * `GET /opportunities/{id}` (ghl-api.md §2.3) through the location's budget before anything is
 * tombstoned. Gone (404, or 400 "not found") → tombstoned; still there → its current state is
 * written and it is marked seen, because the listing missed it (moved between partitions while pass
 * 1 ran, or hidden by search-index lag, §1.3). So the sweep is exact whatever the listing missed.
 *
 * Resumable: each candidate's outcome and its count are one transaction, and a confirmed candidate
 * stops being one, so a coordinator that dies here repeats only the GET it was waiting for.
 * @throws the client's errors (the coordinator job fails its attempt; the sweep stays pending).
 */
export async function verifySweepCandidates(
  deps: SyncDeps,
  client: GhlClient,
  run: SyncRun,
  log: SyncDeps['logger'],
): Promise<VerifiedSweep> {
  const done: VerifiedSweep = { gone: 0, alive: 0 };
  let afterId: string | null = null;
  for (;;) {
    const ids = await listSweepCandidates(deps.db, run.id, run.locationId, { afterId, limit: BATCH });
    if (ids.length === 0) break;
    // One clock reading per batch: taken before every GET of the batch, it is a valid (earlier)
    // read time for each of them, and the never-older rule only needs that bound.
    const fetchedAt = await databaseNow(deps.db);
    // Requests are counted once per batch, and on the way out when a GET throws.
    let requests = 0;
    try {
      for (const id of ids) {
        let answer: Awaited<ReturnType<GhlClient['getOpportunity']>>;
        try {
          answer = await client.getOpportunity(id);
        } catch (err) {
          requests += attemptsOf(err);
          throw err;
        }
        requests += answer.attempts;
        if (!answer.found) {
          if (await tombstoneVerifiedGone(deps.db, run.id, run.locationId, id)) done.gone += 1;
          continue;
        }
        await writeVerifiedAlive(deps, run, id, answer.opportunity, fetchedAt);
        done.alive += 1;
      }
    } finally {
      if (requests > 0) await addRunApiCalls(deps.db, run.id, requests);
    }
    afterId = ids.at(-1)!;
  }
  await finishVerifiedSweep(deps.db, run.id);
  log.info(done, `sweep verified: ${done.gone} gone (tombstoned), ${done.alive} still in GHL (kept, rewritten)`);
  return done;
}

/** A candidate GHL still has: its current state is written (page upsert rules) and it is marked seen. */
async function writeVerifiedAlive(
  deps: SyncDeps,
  run: SyncRun,
  id: string,
  opportunity: unknown,
  fetchedAt: Date,
): Promise<void> {
  const { row, contact, problems } = normalizeOpportunity(opportunity);
  for (const problem of problems)
    await addRunError(deps.db, run.id, {
      opportunityId: problem.opportunityId ?? id,
      code: problem.code,
      message: problem.message,
    });
  if (row && row.id === id)
    await writeOpportunityRecord(deps.db, {
      locationId: run.locationId,
      opportunity: row,
      contact: contact ?? null,
      fetchedAt,
    });
  await markVerifiedAlive(deps.db, run.id, id);
}

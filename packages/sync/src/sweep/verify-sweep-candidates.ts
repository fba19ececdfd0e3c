import { performance } from 'node:perf_hooks';
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
import { chooseChainCount } from '../listing/choose-chain-count.js';
import { mapWithConcurrency } from '../listing/map-with-concurrency.js';
import { normalizeOpportunity } from '../normalize-opportunity.js';
import type { SyncDeps } from '../sync-deps.js';

/**
 * Candidates read per batch; each is then confirmed with one GET. The GETs in flight drain at the
 * end of each batch, so a batch holds the default SWEEP_VERIFY_MAX at once (500 ids: a few KB).
 */
const BATCH = 500;

/** What {@link verifySweepCandidates} did in this call (a resumed sweep continues the run's counters). */
export interface VerifiedSweep {
  gone: number;
  alive: number;
  /** GETs in flight at once after the first (timed alone); 0 when there was nothing to verify. */
  concurrency: number;
  /** Answer time of the first GET, in ms, which {@link concurrency} follows; null when none was sent. */
  answerMs: number | null;
}

/**
 * The verified sweep: every candidate (a live row pass 1 did not see) is confirmed with
 * `GET /opportunities/{id}` (ghl-api.md §2.3) through the location's budget before anything is
 * tombstoned. Gone (404, or 400 "not found") → tombstoned; still there → its current state is
 * written and it is marked seen, because the listing missed it (moved between partitions while pass
 * 1 ran, or hidden by search-index lag, §1.3). So the sweep is exact whatever the listing missed.
 *
 * The GETs are concurrent so the verification is bound by the rate budget, not by GHL's answer
 * time: the first GET is timed alone, and the number in flight is chosen from its answer time as
 * pass 1 chooses its chains ({@link chooseChainCount}, capped by SWEEP_VERIFY_CONCURRENCY). Every GET
 * still waits for the location's one rate limiter, so the budget holds whatever the concurrency.
 *
 * Resumable: each candidate's outcome and its count are one transaction, and a confirmed candidate
 * stops being one, so a coordinator that dies here repeats only the GETs it was waiting for.
 * @throws the client's errors, once the GETs already in flight have answered and been recorded
 *   (the coordinator job fails its attempt; the sweep stays pending; every attempt sent is counted).
 */
export async function verifySweepCandidates(
  deps: SyncDeps,
  client: GhlClient,
  run: SyncRun,
  log: SyncDeps['logger'],
): Promise<VerifiedSweep> {
  const done: VerifiedSweep = { gone: 0, alive: 0, concurrency: 0, answerMs: null };
  // Attempts not yet added to the run: flushed after each batch, and on the way out when a GET throws.
  let requests = 0;
  const flush = async (): Promise<void> => {
    const n = requests;
    requests = 0;
    if (n > 0) await addRunApiCalls(deps.db, run.id, n);
  };
  const verify = async (id: string, fetchedAt: Date): Promise<void> => {
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
      return;
    }
    await writeVerifiedAlive(deps, run, id, answer.opportunity, fetchedAt);
    done.alive += 1;
  };

  let afterId: string | null = null;
  try {
    for (;;) {
      const ids = await listSweepCandidates(deps.db, run.id, run.locationId, { afterId, limit: BATCH });
      if (ids.length === 0) break;
      // One clock reading per batch: taken before every GET of the batch, it is a valid (earlier)
      // read time for each of them, and the never-older rule only needs that bound.
      const fetchedAt = await databaseNow(deps.db);
      let rest = ids;
      if (done.answerMs === null) {
        const started = performance.now();
        await verify(ids[0]!, fetchedAt);
        done.answerMs = Math.round(performance.now() - started);
        done.concurrency = chooseChainCount({
          answerMs: done.answerMs,
          requestsPerSecond: deps.listing.requestsPerSecond,
          minChains: 1,
          maxChains: deps.sweep.verifyConcurrency,
        });
        rest = ids.slice(1);
      }
      await mapWithConcurrency(rest, done.concurrency, (id) => verify(id, fetchedAt));
      await flush();
      afterId = ids.at(-1)!;
    }
  } finally {
    await flush();
  }
  await finishVerifiedSweep(deps.db, run.id);
  log.info(
    done,
    `sweep verified: ${done.gone} gone (tombstoned), ${done.alive} still in GHL (kept, rewritten); up to ${done.concurrency} ${done.concurrency === 1 ? 'GET' : 'GETs'} in flight`,
  );
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

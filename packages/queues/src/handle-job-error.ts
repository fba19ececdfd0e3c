import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { GhlSyncError, isConnectionLoss, isGhlSyncError } from '@ghl-sync/errors';

/** Options for {@link handleJobError}. */
export interface HandleJobErrorOptions {
  job: Job;
  token: string | undefined;
  /** Total time a job may spend delayed for its location's budget, in ms. */
  maxRateLimitWaitMs: number;
  /**
   * Total time a job may spend delayed after lost Postgres connections without spending an
   * attempt, in ms; past it, a lost connection costs an attempt like any retryable error.
   * @defaultValue {@link CONNECTION_LOSS_MAX_WAIT_MS}
   */
  maxConnectionLossWaitMs?: number;
  /** Called when the job is delayed after a lost connection, without spending an attempt. */
  onConnectionLoss?(error: GhlSyncError, delayMs: number): void;
  /** Called once when the job fails for good (last attempt or a permanent error). */
  onFinalFailure(error: GhlSyncError): Promise<void>;
  /** Called when the job is delayed for the location's budget. */
  onDelayed?(error: GhlSyncError, delayMs: number): Promise<void>;
}

/**
 * How long, in total, a job may be retried for free after lost connections: covers a Postgres
 * restart or a managed failover (tens of seconds) several times over. After it, the queue's
 * attempts and backoff take over, so a Postgres that stays away still fails the job in the end.
 */
export const CONNECTION_LOSS_MAX_WAIT_MS = 120_000;
/** Delay before a job whose connection was lost runs again: a new connection is usually there at once. */
const CONNECTION_LOSS_DELAY_MS = 500;

/**
 * Turns a processor error into what BullMQ should do:
 * - no request slot / daily budget spent → the job is delayed until the slot, without spending an
 *   attempt and without holding a worker slot (`moveToDelayed` + `DelayedError`); once it has
 *   waited more than the cap in total it fails with `rate_limited_too_long`;
 * - a lost Postgres connection (a backend terminated, a restart, a failover: `isConnectionLoss`) →
 *   the job runs again after about half a second, without spending an attempt, until it has
 *   waited `maxConnectionLossWaitMs` in total: the work did not fail, and the queue's exponential
 *   backoff and attempt budget, sized for GHL's errors, would turn a failover that cuts the same
 *   job a few times into a slow or failed run;
 * - retryable with attempts left → rethrown (BullMQ backoff applies);
 * - otherwise → `onFinalFailure`, then `UnrecoverableError` so BullMQ stops retrying.
 */
export async function handleJobError(err: unknown, options: HandleJobErrorOptions): Promise<never> {
  const { job } = options;
  const error = isGhlSyncError(err)
    ? err
    : new GhlSyncError('internal_error', (err as Error)?.message ?? String(err), { cause: err, retryable: true });

  if (error.code === 'ghl_rate_limited' || error.code === 'daily_quota_exhausted') {
    const retryAfterMs = Number(error.details['retryAfterMs'] ?? 1_000);
    // A little jitter so jobs delayed by the same pause do not all wake in the same millisecond.
    const delayMs = Math.max(50, Math.round(retryAfterMs + Math.random() * 250));
    const waited = Number((job.data as { rateLimitWaitedMs?: number }).rateLimitWaitedMs ?? 0) + delayMs;
    if (error.code === 'ghl_rate_limited' && waited > options.maxRateLimitWaitMs) {
      const tooLong = new GhlSyncError(
        'rate_limited_too_long',
        `waited ${Math.round(waited / 1000)} s for the location's rate budget (cap ${Math.round(options.maxRateLimitWaitMs / 1000)} s)`,
        { cause: error },
      );
      await options.onFinalFailure(tooLong);
      throw new UnrecoverableError(`${tooLong.code}: ${tooLong.message}`);
    }
    await job.updateData({ ...(job.data as object), rateLimitWaitedMs: waited });
    await options.onDelayed?.(error, delayMs);
    await job.moveToDelayed(Date.now() + delayMs, options.token);
    throw new DelayedError();
  }

  if (isConnectionLoss(error)) {
    const delayMs = Math.round(CONNECTION_LOSS_DELAY_MS + Math.random() * CONNECTION_LOSS_DELAY_MS);
    const data = job.data as { connectionLossWaitedMs?: number };
    const waited = Number(data.connectionLossWaitedMs ?? 0) + delayMs;
    if (waited <= (options.maxConnectionLossWaitMs ?? CONNECTION_LOSS_MAX_WAIT_MS)) {
      await job.updateData({ ...(job.data as object), connectionLossWaitedMs: waited });
      options.onConnectionLoss?.(error, delayMs);
      await job.moveToDelayed(Date.now() + delayMs, options.token);
      throw new DelayedError();
    }
  }

  const attempts = job.opts.attempts ?? 1;
  if (error.retryable && job.attemptsMade + 1 < attempts) throw error;
  await options.onFinalFailure(error);
  throw new UnrecoverableError(`${error.code}: ${error.message}`);
}

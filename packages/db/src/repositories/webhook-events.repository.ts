import type { Queryable } from '../create-db.js';

/** What the intake did with a delivery it answered 200. WARNING: persisted; add, never rename. */
export type WebhookEventOutcome =
  | 'accepted'
  | 'ignored_unknown_location'
  | 'ignored_type'
  /** An INSTALL / UNINSTALL the intake acted upon. */
  | 'app_event'
  /** An INSTALL under an agency that never installed the app here. */
  | 'ignored_unknown_agency';
/** What applying an accepted event did to its row. WARNING: persisted; add, never rename. */
export type WebhookApplyOutcome = 'inserted' | 'updated' | 'unchanged' | 'tombstoned' | 'not_found';

/** Input of {@link storeWebhookEvent}. */
export interface StoreWebhookEventInput {
  /** GHL's `webhookId`. */
  webhookId: string;
  type: string;
  locationId: string | null;
  opportunityId: string | null;
  /** The envelope's `timestamp`, when it had one. */
  eventAt: Date | null;
  signatureScheme: 'ed25519' | 'rsa';
  /** Whether the intake knows how to apply this type (the opportunity events). */
  applicable: boolean;
  /** The parsed body, stored for `webhooks replay`. */
  payload: unknown;
  /** The outcome, decided by the caller (app events); otherwise decided here as below. */
  outcome?: WebhookEventOutcome;
}

/** A stored event, as replay and the apply job read it. */
export interface WebhookEventRow {
  id: number;
  webhookId: string;
  type: string;
  locationId: string | null;
  opportunityId: string | null;
  eventAt: Date | null;
  receivedAt: Date;
  outcome: WebhookEventOutcome;
  appliedAt: Date | null;
  applyOutcome: WebhookApplyOutcome | null;
}

const EVENT_COLUMNS = `id, webhook_id AS "webhookId", type, location_id AS "locationId", opportunity_id AS "opportunityId",
  event_at AS "eventAt", received_at AS "receivedAt", outcome, applied_at AS "appliedAt", apply_outcome AS "applyOutcome"`;

/**
 * Stores one delivery in one statement, deciding its outcome on the way: `ignored_type` for types
 * the intake does not apply, `ignored_unknown_location` for a location that is not registered,
 * else `accepted`.
 * @returns the stored event, or null when its `webhookId` was stored before (a duplicate: nothing written).
 */
export async function storeWebhookEvent(
  db: Queryable,
  input: StoreWebhookEventInput,
): Promise<{ id: number; outcome: WebhookEventOutcome; receivedAt: Date } | null> {
  const { rows } = await db.query<{ id: number; outcome: WebhookEventOutcome; receivedAt: Date }>(
    `INSERT INTO ghl.webhook_events (webhook_id, type, location_id, opportunity_id, event_at, signature_scheme, outcome, payload)
     SELECT $1, $2, $3, $4, $5, $6,
       CASE WHEN $9::text IS NOT NULL THEN $9::text
            WHEN NOT $7::boolean THEN 'ignored_type'
            WHEN NOT EXISTS (SELECT 1 FROM ghl.locations l WHERE l.id = $3) THEN 'ignored_unknown_location'
            ELSE 'accepted' END,
       $8::jsonb
     ON CONFLICT (webhook_id) DO NOTHING
     RETURNING id, outcome, received_at AS "receivedAt"`,
    [
      input.webhookId,
      input.type,
      input.locationId,
      input.opportunityId,
      input.eventAt,
      input.signatureScheme,
      input.applicable,
      JSON.stringify(input.payload),
      input.outcome ?? null,
    ],
  );
  return rows[0] ?? null;
}

/**
 * Whether a `webhookId` was never stored, whether the event's location is registered, and whether a
 * stored one still waits to be applied: what the intake decides before storing or enqueueing.
 */
export async function webhookEventIsNew(
  db: Queryable,
  webhookId: string,
  locationId: string | null,
): Promise<{ isNew: boolean; locationRegistered: boolean; unapplied: boolean }> {
  const { rows } = await db.query<{ isNew: boolean; locationRegistered: boolean; unapplied: boolean }>(
    `SELECT NOT EXISTS (SELECT 1 FROM ghl.webhook_events WHERE webhook_id = $1) AS "isNew",
            EXISTS (SELECT 1 FROM ghl.locations WHERE id = $2) AS "locationRegistered",
            EXISTS (SELECT 1 FROM ghl.webhook_events
                    WHERE webhook_id = $1 AND outcome = 'accepted' AND applied_at IS NULL) AS unapplied`,
    [webhookId, locationId],
  );
  return rows[0]!;
}

/**
 * Removes one stored event by its id: the intake's undo when the event's job could not be enqueued
 * (it answers 429, and GHL's retry must then find the `webhookId` new).
 * @returns whether a row was removed.
 */
export async function deleteWebhookEvent(db: Queryable, id: number): Promise<boolean> {
  const result = await db.query(`DELETE FROM ghl.webhook_events WHERE id = $1`, [id]);
  return (result.rowCount ?? 0) > 0;
}

/**
 * Marks every accepted, not yet applied event of one opportunity received up to `upTo` as applied
 * with `outcome`: coalesced events share the one re-read that applied them.
 * @returns per event marked, ms from its receipt to now on the database's clock (event-to-row latency).
 */
export async function markWebhookEventsApplied(
  db: Queryable,
  input: { locationId: string; opportunityId: string; upTo: Date; outcome: WebhookApplyOutcome },
): Promise<number[]> {
  const { rows } = await db.query<{ latencyMs: number }>(
    `UPDATE ghl.webhook_events SET applied_at = now(), apply_outcome = $4
     WHERE location_id = $1 AND opportunity_id = $2 AND outcome = 'accepted' AND applied_at IS NULL
       AND received_at <= $3
     RETURNING (extract(epoch FROM clock_timestamp() - received_at) * 1000)::float8 AS "latencyMs"`,
    [input.locationId, input.opportunityId, input.upTo, input.outcome],
  );
  return rows.map((r) => r.latencyMs);
}

/**
 * The latest accepted event of each opportunity of a location received since `since` (all when
 * null), oldest first: what `webhooks replay` re-applies.
 */
export async function listEventsToReplay(
  db: Queryable,
  locationId: string,
  since: Date | null,
): Promise<WebhookEventRow[]> {
  const { rows } = await db.query<WebhookEventRow>(
    `SELECT ${EVENT_COLUMNS} FROM (
       SELECT DISTINCT ON (opportunity_id) * FROM ghl.webhook_events
       WHERE location_id = $1 AND outcome = 'accepted' AND opportunity_id IS NOT NULL
         AND ($2::timestamptz IS NULL OR received_at >= $2)
       ORDER BY opportunity_id, received_at DESC, id DESC
     ) e ORDER BY received_at, id`,
    [locationId, since],
  );
  return rows;
}

/**
 * Every stored event of a location received at or after `since`, oldest first: what the demo and
 * the webhooks benchmark read back to measure event-to-row latency (`appliedAt` − `eventAt`).
 */
export async function listWebhookEventsSince(
  db: Queryable,
  locationId: string,
  since: Date,
): Promise<WebhookEventRow[]> {
  const { rows } = await db.query<WebhookEventRow>(
    `SELECT ${EVENT_COLUMNS} FROM ghl.webhook_events
     WHERE location_id = $1 AND received_at >= $2
     ORDER BY received_at, id`,
    [locationId, since],
  );
  return rows;
}

/** Counts of stored events by outcome for a location (for `locations list` and reports). */
export async function countWebhookEvents(
  db: Queryable,
  locationId: string,
): Promise<{ accepted: number; applied: number; pending: number }> {
  const { rows } = await db.query<{ accepted: number; applied: number; pending: number }>(
    `SELECT count(*) FILTER (WHERE outcome = 'accepted') AS accepted,
            count(*) FILTER (WHERE applied_at IS NOT NULL) AS applied,
            count(*) FILTER (WHERE outcome = 'accepted' AND applied_at IS NULL) AS pending
     FROM ghl.webhook_events WHERE location_id = $1`,
    [locationId],
  );
  return rows[0]!;
}

/**
 * Deletes stored events received more than `olderThanDays` ago. Duplicates only need ids younger
 * than WEBHOOK_MAX_AGE_S (older deliveries are refused as stale), so this loses no protection.
 * @returns events removed.
 */
export async function purgeWebhookEvents(db: Queryable, olderThanDays: number): Promise<number> {
  const result = await db.query(
    `DELETE FROM ghl.webhook_events WHERE received_at < now() - make_interval(days => $1)`,
    [olderThanDays],
  );
  return result.rowCount ?? 0;
}

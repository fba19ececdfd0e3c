import type { Queryable } from '../create-db.js';

/**
 * Kinds of OAuth recovery steps. WARNING: persisted and shown to operators; add, never rename.
 * - `refresh_outcome_unknown`: a refresh was sent and no answer said what happened (timeout, reset, 5xx, crash).
 * - `refresh_refused`: GHL refused the refresh (the token was spent or revoked).
 * - `reconnected`: the Reconnect API re-authorised the install and the new pair was saved.
 * - `reconnect_refused`: the Reconnect API refused; the location was marked as needing reconnection.
 * - `stale_pair_discarded`: a pair arrived after a newer one was saved and was not stored.
 */
export type OAuthEventKind =
  'refresh_outcome_unknown' | 'refresh_refused' | 'reconnected' | 'reconnect_refused' | 'stale_pair_discarded';

/** One recorded step. */
export interface OAuthEvent {
  locationId: string;
  kind: OAuthEventKind;
  /** What happened, in words (never a token or secret). */
  detail: string | null;
  createdAt: Date;
}

/** Records an OAuth recovery step of a location. */
export async function addOAuthEvent(
  db: Queryable,
  locationId: string,
  kind: OAuthEventKind,
  detail?: string,
): Promise<void> {
  await db.query(`INSERT INTO ghl.oauth_events (location_id, kind, detail) VALUES ($1, $2, $3)`, [
    locationId,
    kind,
    detail ?? null,
  ]);
}

/** A location's OAuth steps between `from` and `to` (open-ended when null), oldest first. */
export async function listOAuthEvents(
  db: Queryable,
  locationId: string,
  range: { from: Date; to: Date | null },
): Promise<OAuthEvent[]> {
  const { rows } = await db.query<OAuthEvent>(
    `SELECT location_id AS "locationId", kind, detail, created_at AS "createdAt" FROM ghl.oauth_events
     WHERE location_id = $1 AND created_at >= $2 AND ($3::timestamptz IS NULL OR created_at <= $3)
     ORDER BY id LIMIT 1000`,
    [locationId, range.from, range.to],
  );
  return rows;
}

/**
 * Marks the refresh token of `generation` as sent to GHL, unless another pair was saved since.
 * @returns false when the generation moved on (re-read the credential).
 */
export async function markRefreshSent(db: Queryable, locationId: string, generation: number): Promise<boolean> {
  const result = await db.query(
    `UPDATE ghl.locations SET refresh_sent_generation = $2 WHERE id = $1 AND token_generation = $2`,
    [locationId, generation],
  );
  return result.rowCount === 1;
}

/** Undoes {@link markRefreshSent} when the answer proves GHL never used the token (connection refused, `invalid_client`). */
export async function clearRefreshSent(db: Queryable, locationId: string, generation: number): Promise<void> {
  await db.query(
    `UPDATE ghl.locations SET refresh_sent_generation = NULL WHERE id = $1 AND refresh_sent_generation = $2`,
    [locationId, generation],
  );
}

import type { TokenCipher } from '@ghl-sync/secrets';
import type { Queryable } from '../create-db.js';

/**
 * An agency that installed the marketplace app, with its Company token decrypted. Never log or
 * serve this object. In Postgres both tokens are sealed (packages/secrets) under the agency's slot.
 */
export interface AgencyRecord {
  /** GHL's companyId. */
  id: string;
  name: string | null;
  accessToken: string;
  refreshToken: string;
  tokenExpiresAt: Date;
  /** Bumped by every save of the Company pair (fencing token of refreshes). */
  tokenGeneration: number;
  /** The generation whose refresh token was last sent to GHL, or null. */
  refreshSentGeneration: number | null;
  needsReconnect: boolean;
  reconnectReason: string | null;
  /** The install covers sub-accounts created later (`installToFutureLocations`, ghl-api.md §5.1). */
  installToFuture: boolean;
  reconciledAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** An agency without its secrets, with how many of its locations are registered and installed. */
export type AgencySummary = Omit<AgencyRecord, 'accessToken' | 'refreshToken'> & {
  locations: number;
  uninstalledLocations: number;
};

const SUMMARY_COLUMNS = `a.id, a.name, a.token_expires_at AS "tokenExpiresAt",
  a.token_generation::float8 AS "tokenGeneration", a.refresh_sent_generation::float8 AS "refreshSentGeneration",
  a.needs_reconnect AS "needsReconnect", a.reconnect_reason AS "reconnectReason",
  a.install_to_future AS "installToFuture", a.reconciled_at AS "reconciledAt",
  a.created_at AS "createdAt", a.updated_at AS "updatedAt"`;

const slot = (agencyId: string, column: 'access_token' | 'refresh_token') => ({ agencyId, column });

/** Input of {@link upsertAgency}: a Company pair from an install (authorization-code grant). */
export interface UpsertAgencyInput {
  id: string;
  name?: string | null;
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
  installToFuture?: boolean;
}

/**
 * Registers an agency or replaces its Company pair (a new install), encrypted under the cipher's
 * current key; clears `needs_reconnect` and bumps the generation.
 */
export async function upsertAgency(db: Queryable, input: UpsertAgencyInput, cipher: TokenCipher): Promise<void> {
  await db.query(
    `INSERT INTO ghl.agencies AS a (id, name, access_token, refresh_token, token_expires_at, install_to_future)
     VALUES ($1, $2, $3, $4, $5, coalesce($6::boolean, false))
     ON CONFLICT (id) DO UPDATE SET name = coalesce(EXCLUDED.name, a.name), access_token = EXCLUDED.access_token,
       refresh_token = EXCLUDED.refresh_token, token_expires_at = EXCLUDED.token_expires_at,
       install_to_future = coalesce($6::boolean, a.install_to_future), needs_reconnect = false,
       reconnect_reason = NULL, token_generation = a.token_generation + 1, updated_at = now()`,
    [
      input.id,
      input.name ?? null,
      cipher.seal(input.accessToken, slot(input.id, 'access_token')),
      cipher.seal(input.refreshToken, slot(input.id, 'refresh_token')),
      input.expiresAt,
      input.installToFuture ?? null,
    ],
  );
}

/**
 * The agency with its Company pair decrypted, or null.
 * @throws GhlSyncError `token_undecryptable` when no configured key opens a stored token.
 */
export async function getAgency(db: Queryable, id: string, cipher: TokenCipher): Promise<AgencyRecord | null> {
  const { rows } = await db.query<AgencyRecord>(
    `SELECT ${SUMMARY_COLUMNS}, a.access_token AS "accessToken", a.refresh_token AS "refreshToken"
     FROM ghl.agencies a WHERE a.id = $1`,
    [id],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    ...row,
    accessToken: cipher.open(row.accessToken, slot(id, 'access_token')),
    refreshToken: cipher.open(row.refreshToken, slot(id, 'refresh_token')),
  };
}

/** Whether an agency is registered (no key needed). */
export async function agencyExists(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query(`SELECT 1 FROM ghl.agencies WHERE id = $1`, [id]);
  return rowCount === 1;
}

/** Every agency without secrets, with its location counts, ordered by id. */
export async function listAgencies(db: Queryable): Promise<AgencySummary[]> {
  const { rows } = await db.query<AgencySummary>(
    `SELECT ${SUMMARY_COLUMNS},
       (SELECT count(*)::int FROM ghl.locations l WHERE l.agency_id = a.id) AS locations,
       (SELECT count(*)::int FROM ghl.locations l WHERE l.agency_id = a.id AND l.uninstalled_at IS NOT NULL)
         AS "uninstalledLocations"
     FROM ghl.agencies a ORDER BY a.id`,
  );
  return rows;
}

/**
 * Saves a refreshed Company pair (both tokens: the old refresh token is spent), encrypted, with a
 * compare-and-set on `expectedGeneration`.
 * @returns whether it was saved (false: another pair was saved since that generation was read).
 */
export async function saveAgencyTokens(
  db: Queryable,
  id: string,
  tokens: { accessToken: string; refreshToken: string; expiresAt: Date },
  cipher: TokenCipher,
  expectedGeneration: number,
): Promise<boolean> {
  const result = await db.query(
    `UPDATE ghl.agencies SET access_token = $2, refresh_token = $3, token_expires_at = $4,
       token_generation = token_generation + 1, updated_at = now()
     WHERE id = $1 AND token_generation = $5`,
    [
      id,
      cipher.seal(tokens.accessToken, slot(id, 'access_token')),
      cipher.seal(tokens.refreshToken, slot(id, 'refresh_token')),
      tokens.expiresAt,
      expectedGeneration,
    ],
  );
  return result.rowCount === 1;
}

/**
 * Records that the refresh token of `generation` is about to be sent, unless the pair changed.
 * @returns false when another pair was saved since (use it instead).
 */
export async function markAgencyRefreshSent(db: Queryable, id: string, generation: number): Promise<boolean> {
  const result = await db.query(
    `UPDATE ghl.agencies SET refresh_sent_generation = $2 WHERE id = $1 AND token_generation = $2`,
    [id, generation],
  );
  return result.rowCount === 1;
}

/** Lifts the sent mark when the answer proved GHL did not use the token. */
export async function clearAgencyRefreshSent(db: Queryable, id: string, generation: number): Promise<void> {
  await db.query(
    `UPDATE ghl.agencies SET refresh_sent_generation = NULL WHERE id = $1 AND refresh_sent_generation = $2`,
    [id, generation],
  );
}

/** Marks an agency as needing a new install: its locations get no new tokens until then. */
export async function markAgencyNeedsReconnect(db: Queryable, id: string, reason: string): Promise<void> {
  await db.query(
    `UPDATE ghl.agencies SET needs_reconnect = true, reconnect_reason = $2, updated_at = now() WHERE id = $1`,
    [id, reason],
  );
}

/** Records a reconcile of the agency's installed locations and what GHL said about future locations. */
export async function markAgencyReconciled(db: Queryable, id: string, installToFuture: boolean): Promise<void> {
  await db.query(`UPDATE ghl.agencies SET reconciled_at = now(), install_to_future = $2 WHERE id = $1`, [
    id,
    installToFuture,
  ]);
}

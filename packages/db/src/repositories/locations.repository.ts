import type { TokenCipher } from '@ghl-sync/secrets';
import type { Queryable } from '../create-db.js';

/**
 * A registered location with its credential, decrypted. Never log or return this object over HTTP.
 * In Postgres the tokens are encrypted (packages/secrets): only {@link getLocation},
 * {@link upsertLocation} and {@link saveLocationTokens}, given the cipher, read or write them.
 */
export interface LocationRecord {
  id: string;
  name: string | null;
  /**
   * `pit`: a Private Integration Token; `oauth`: a Location install's access/refresh pair; `agency`:
   * a token minted from its agency's Company token (no refresh token; minted again when due).
   */
  authType: LocationAuthType;
  accessToken: string;
  refreshToken: string | null;
  tokenExpiresAt: Date | null;
  needsReconnect: boolean;
  reconnectReason: string | null;
  /** Bumped by every save of the credential (fencing token of OAuth refreshes). */
  tokenGeneration: number;
  /** The generation whose refresh token was last sent to GHL, or null. */
  refreshSentGeneration: number | null;
  scheduleCron: string | null;
  scheduleTz: string;
  /** GHL sends this location's opportunity webhooks to ghl-sync; full runs reconcile and report drift. */
  webhooks: boolean;
  /** The agency (GHL companyId) whose install covers it, for `agency` locations. */
  agencyId: string | null;
  /** When the app was removed from it (no schedule, no request, rows kept); null while installed. */
  uninstalledAt: Date | null;
  uninstallReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** How a location is authorised (see {@link LocationRecord.authType}). */
export type LocationAuthType = 'pit' | 'oauth' | 'agency';

/** A location without its secrets: safe to print and to serve. */
export type LocationSummary = Omit<LocationRecord, 'accessToken' | 'refreshToken'>;

const SUMMARY_COLUMNS = `id, name, auth_type AS "authType", token_expires_at AS "tokenExpiresAt",
  needs_reconnect AS "needsReconnect", reconnect_reason AS "reconnectReason",
  token_generation::float8 AS "tokenGeneration", refresh_sent_generation::float8 AS "refreshSentGeneration",
  schedule_cron AS "scheduleCron", schedule_tz AS "scheduleTz", webhooks,
  agency_id AS "agencyId", uninstalled_at AS "uninstalledAt", uninstall_reason AS "uninstallReason", created_at AS "createdAt", updated_at AS "updatedAt"`;
const RECORD_COLUMNS = `${SUMMARY_COLUMNS}, access_token AS "accessToken", refresh_token AS "refreshToken"`;

/** Input of {@link upsertLocation}. */
export interface UpsertLocationInput {
  id: string;
  name?: string | null;
  /** @defaultValue 'pit' */
  authType?: LocationAuthType;
  /** The agency of an `agency` location. @defaultValue null */
  agencyId?: string | null;
  accessToken: string;
  refreshToken?: string | null;
  tokenExpiresAt?: Date | null;
  /** Cron pattern; `null` = no schedule; `undefined` keeps the current one (default for new rows: every 30 min). */
  scheduleCron?: string | null;
  /** IANA time zone of the schedule. @defaultValue 'UTC' */
  scheduleTz?: string;
  /** Webhooks on or off; `undefined` keeps the current setting (new rows: off). */
  webhooks?: boolean;
}

/**
 * Registers a location or replaces its credential, encrypted under the cipher's current key;
 * clears `needs_reconnect` and `uninstalled_at` (a new credential means the app is installed).
 */
export async function upsertLocation(
  db: Queryable,
  input: UpsertLocationInput,
  cipher: TokenCipher,
): Promise<LocationSummary> {
  return (await writeLocation(db, input, cipher, { fenced: false }))!;
}

/**
 * {@link upsertLocation} as a compare-and-set: writes only while the row is as the caller read it,
 * `expectedGeneration` its `tokenGeneration`, or null for a location not registered yet. A process
 * that decided from an older read (an agency reconcile that saw no pair of the location's own) then
 * never overwrites a credential saved since (the location's own install, which arrived meanwhile).
 * @returns the location as saved, or null when the row changed since it was read (nothing written).
 */
export async function upsertLocationIfUnchanged(
  db: Queryable,
  input: UpsertLocationInput,
  expectedGeneration: number | null,
  cipher: TokenCipher,
): Promise<LocationSummary | null> {
  return writeLocation(db, input, cipher, { fenced: true, expectedGeneration });
}

async function writeLocation(
  db: Queryable,
  input: UpsertLocationInput,
  cipher: TokenCipher,
  fence: { fenced: boolean; expectedGeneration?: number | null },
): Promise<LocationSummary | null> {
  const { rows } = await db.query<LocationSummary>(
    `INSERT INTO ghl.locations AS l (id, name, auth_type, access_token, refresh_token, token_expires_at, schedule_cron, schedule_tz,
       webhooks, agency_id)
     VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $9::boolean THEN $7 ELSE '*/30 * * * *' END, coalesce($8, 'UTC'),
       coalesce($10::boolean, false), $11)
     ON CONFLICT (id) DO UPDATE SET
       name = coalesce(EXCLUDED.name, l.name), auth_type = EXCLUDED.auth_type,
       access_token = EXCLUDED.access_token, refresh_token = EXCLUDED.refresh_token,
       token_expires_at = EXCLUDED.token_expires_at, needs_reconnect = false, reconnect_reason = NULL,
       agency_id = EXCLUDED.agency_id, uninstalled_at = NULL, uninstall_reason = NULL,
       token_generation = l.token_generation + 1,
       schedule_cron = CASE WHEN $9::boolean THEN $7 ELSE l.schedule_cron END,
       schedule_tz = coalesce($8, l.schedule_tz), webhooks = coalesce($10::boolean, l.webhooks), updated_at = now()
     WHERE NOT $12::boolean OR l.token_generation = $13::bigint
     RETURNING ${SUMMARY_COLUMNS}`,
    [
      input.id,
      input.name ?? null,
      input.authType ?? 'pit',
      cipher.seal(input.accessToken, { locationId: input.id, column: 'access_token' }),
      input.refreshToken ? cipher.seal(input.refreshToken, { locationId: input.id, column: 'refresh_token' }) : null,
      input.tokenExpiresAt ?? null,
      input.scheduleCron ?? null,
      input.scheduleTz ?? null,
      input.scheduleCron !== undefined,
      input.webhooks ?? null,
      input.agencyId ?? null,
      fence.fenced,
      // null: the row must not exist, and `= NULL` matches no existing row.
      fence.expectedGeneration ?? null,
    ],
  );
  return rows[0] ?? null;
}

/** Turns a location's webhooks on or off. @returns false when the location does not exist. */
export async function setLocationWebhooks(db: Queryable, id: string, webhooks: boolean): Promise<boolean> {
  const result = await db.query(`UPDATE ghl.locations SET webhooks = $2, updated_at = now() WHERE id = $1`, [
    id,
    webhooks,
  ]);
  return result.rowCount === 1;
}

/**
 * The location with its credential decrypted, or null.
 * @throws GhlSyncError `token_undecryptable` when no configured key opens a stored token.
 */
export async function getLocation(db: Queryable, id: string, cipher: TokenCipher): Promise<LocationRecord | null> {
  const { rows } = await db.query<LocationRecord>(`SELECT ${RECORD_COLUMNS} FROM ghl.locations WHERE id = $1`, [id]);
  const row = rows[0];
  if (!row) return null;
  return {
    ...row,
    accessToken: cipher.open(row.accessToken, { locationId: id, column: 'access_token' }),
    refreshToken:
      row.refreshToken === null ? null : cipher.open(row.refreshToken, { locationId: id, column: 'refresh_token' }),
  };
}

/** The location without its credential (no key needed), or null. */
export async function getLocationSummary(db: Queryable, id: string): Promise<LocationSummary | null> {
  const { rows } = await db.query<LocationSummary>(`SELECT ${SUMMARY_COLUMNS} FROM ghl.locations WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

/** Every location, without secrets, ordered by id. */
export async function listLocations(db: Queryable): Promise<LocationSummary[]> {
  const { rows } = await db.query<LocationSummary>(`SELECT ${SUMMARY_COLUMNS} FROM ghl.locations ORDER BY id`);
  return rows;
}

/** Sets or clears a location's schedule. @returns false when the location does not exist. */
export async function updateLocationSchedule(
  db: Queryable,
  id: string,
  scheduleCron: string | null,
  scheduleTz?: string,
): Promise<boolean> {
  const result = await db.query(
    `UPDATE ghl.locations SET schedule_cron = $2, schedule_tz = coalesce($3, schedule_tz), updated_at = now() WHERE id = $1`,
    [id, scheduleCron, scheduleTz ?? null],
  );
  return result.rowCount === 1;
}

/**
 * Saves both rotated OAuth tokens at once (refresh tokens are single use: losing one disconnects the
 * location), encrypted, and bumps the credential's generation. With `expectedGeneration`, a compare-and-set:
 * nothing is written when another pair was saved since that generation was read.
 * @returns whether the pair was saved.
 */
export async function saveLocationTokens(
  db: Queryable,
  id: string,
  tokens: { accessToken: string; refreshToken: string; expiresAt: Date },
  cipher: TokenCipher,
  expectedGeneration?: number,
): Promise<boolean> {
  const result = await db.query(
    `UPDATE ghl.locations SET access_token = $2, refresh_token = $3, token_expires_at = $4,
       token_generation = token_generation + 1, updated_at = now()
     WHERE id = $1 AND ($5::bigint IS NULL OR token_generation = $5)`,
    [
      id,
      cipher.seal(tokens.accessToken, { locationId: id, column: 'access_token' }),
      cipher.seal(tokens.refreshToken, { locationId: id, column: 'refresh_token' }),
      tokens.expiresAt,
      expectedGeneration ?? null,
    ],
  );
  return result.rowCount === 1;
}

/** Marks a location as needing reconnection (its refresh was refused); the scheduler skips it. */
export async function markLocationNeedsReconnect(db: Queryable, id: string, reason: string): Promise<void> {
  await db.query(
    `UPDATE ghl.locations SET needs_reconnect = true, reconnect_reason = $2, updated_at = now() WHERE id = $1`,
    [id, reason],
  );
}

/**
 * Saves a token minted from the location's agency (`agency` locations have no refresh token),
 * encrypted, and bumps the generation; a compare-and-set on `expectedGeneration`, so of two
 * processes that minted at once only the first save counts.
 * @returns whether it was saved.
 */
export async function saveMintedLocationToken(
  db: Queryable,
  id: string,
  token: { accessToken: string; expiresAt: Date },
  cipher: TokenCipher,
  expectedGeneration: number,
): Promise<boolean> {
  const result = await db.query(
    `UPDATE ghl.locations SET access_token = $2, token_expires_at = $3, token_generation = token_generation + 1,
       updated_at = now()
     WHERE id = $1 AND token_generation = $4`,
    [
      id,
      cipher.seal(token.accessToken, { locationId: id, column: 'access_token' }),
      token.expiresAt,
      expectedGeneration,
    ],
  );
  return result.rowCount === 1;
}

/**
 * Marks a location as uninstalled (the app was removed from it): it keeps its rows, gets no
 * schedule and sends no request until it is registered again.
 * @returns false when it does not exist or was already uninstalled.
 */
export async function markLocationUninstalled(db: Queryable, id: string, reason: string): Promise<boolean> {
  const result = await db.query(
    `UPDATE ghl.locations SET uninstalled_at = now(), uninstall_reason = $2, updated_at = now()
     WHERE id = $1 AND uninstalled_at IS NULL`,
    [id, reason],
  );
  return result.rowCount === 1;
}

/** Locations of an agency (without secrets), ordered by id. */
export async function listAgencyLocations(db: Queryable, agencyId: string): Promise<LocationSummary[]> {
  const { rows } = await db.query<LocationSummary>(
    `SELECT ${SUMMARY_COLUMNS} FROM ghl.locations WHERE agency_id = $1 ORDER BY id`,
    [agencyId],
  );
  return rows;
}

import type { TokenCipher } from '@ghl-sync/secrets';
import { SEALED_TOKEN_PREFIX } from '@ghl-sync/secrets';
import type { Db } from '../create-db.js';

/** What {@link encryptPlaintextTokens} did. */
export interface EncryptPlaintextResult {
  /** Locations whose plaintext token(s) were encrypted by this call. */
  encrypted: number;
  /** Whether the constraint that refuses plaintext tokens now holds for every row. */
  constraintValidated: boolean;
}

/**
 * Encrypts every token still stored in plaintext (rows written before tokens were encrypted),
 * then validates `locations_tokens_encrypted`, which refuses plaintext from then on. Idempotent:
 * a second call finds nothing to encrypt. Runs in one transaction with the rows locked, so a
 * worker saving a refreshed pair meanwhile waits rather than being overwritten.
 * @param cipherFor - called only when a plaintext token is found, so a database without any
 *   (a new one) is migrated without the key; it throws when the key is not configured.
 */
export async function encryptPlaintextTokens(db: Db, cipherFor: () => TokenCipher): Promise<EncryptPlaintextResult> {
  const prefix = `${SEALED_TOKEN_PREFIX}%`;
  const encrypted = await db.withTransaction(async (tx) => {
    const { rows } = await tx.query<{ id: string; accessToken: string; refreshToken: string | null }>(
      `SELECT id, access_token AS "accessToken", refresh_token AS "refreshToken" FROM ghl.locations
       WHERE access_token NOT LIKE $1 OR refresh_token NOT LIKE $1 ORDER BY id FOR UPDATE`,
      [prefix],
    );
    const cipher = rows.length > 0 ? cipherFor() : undefined;
    for (const row of rows) {
      const seal = (value: string, column: 'access_token' | 'refresh_token') =>
        value.startsWith(SEALED_TOKEN_PREFIX) ? value : cipher!.seal(value, { locationId: row.id, column });
      await tx.query(`UPDATE ghl.locations SET access_token = $2, refresh_token = $3 WHERE id = $1`, [
        row.id,
        seal(row.accessToken, 'access_token'),
        row.refreshToken === null ? null : seal(row.refreshToken, 'refresh_token'),
      ]);
    }
    return rows.length;
  });
  const { rows } = await db.query<{ validated: boolean }>(
    `SELECT convalidated AS validated FROM pg_constraint WHERE conname = 'locations_tokens_encrypted'`,
  );
  if (rows[0] && !rows[0].validated)
    await db.query(`ALTER TABLE ghl.locations VALIDATE CONSTRAINT locations_tokens_encrypted`);
  return { encrypted, constraintValidated: rows[0] !== undefined };
}

/** What {@link rotateTokenKeys} did to one table. */
export interface RotateTableResult<Id extends string> {
  /** Rows whose tokens were re-encrypted under the current key. */
  rotated: number;
  /** Rows already entirely under the current key. */
  alreadyCurrent: number;
  /** Rows whose credential was saved by someone else while this ran: run the rotation again. */
  changedMeanwhile: number;
  /** Rows whose tokens no configured key opens (left as they are), with the key ids they name. */
  unreadable: Array<Record<Id, string> & { keyIds: string[] }>;
}

/** What {@link rotateTokenKeys} did: the locations' counts, and the agencies' (Company tokens). */
export interface RotateTokenKeysResult extends RotateTableResult<'locationId'> {
  agencies: RotateTableResult<'agencyId'>;
}

/**
 * Re-encrypts every stored token under the cipher's current key (`ghl-sync keys rotate`): open
 * with whichever configured key sealed it, seal under `TOKEN_ENCRYPTION_KEY`; locations' tokens
 * and agencies' Company tokens alike. Each row is saved with a compare-and-set on the values it
 * read, so a refresh saved meanwhile is never overwritten (it is counted in `changedMeanwhile`);
 * `token_generation` is not bumped, since the credential itself did not change. Tokens no
 * configured key opens are reported, not touched.
 */
export async function rotateTokenKeys(db: Db, cipher: TokenCipher): Promise<RotateTokenKeysResult> {
  const locations = await rotateTable(db, cipher, 'locations', 'locationId');
  const agencies = await rotateTable(db, cipher, 'agencies', 'agencyId');
  return { ...locations, agencies };
}

async function rotateTable<Id extends 'locationId' | 'agencyId'>(
  db: Db,
  cipher: TokenCipher,
  table: 'locations' | 'agencies',
  idKey: Id,
): Promise<RotateTableResult<Id>> {
  const result: RotateTableResult<Id> = { rotated: 0, alreadyCurrent: 0, changedMeanwhile: 0, unreadable: [] };
  const { rows } = await db.query<{ id: string; accessToken: string; refreshToken: string | null }>(
    `SELECT id, access_token AS "accessToken", refresh_token AS "refreshToken" FROM ghl.${table} ORDER BY id`,
  );
  for (const row of rows) {
    const values = [
      { column: 'access_token' as const, sealed: row.accessToken },
      ...(row.refreshToken === null ? [] : [{ column: 'refresh_token' as const, sealed: row.refreshToken }]),
    ];
    if (values.every((v) => cipher.keyIdOf(v.sealed) === cipher.currentKeyId)) {
      result.alreadyCurrent += 1;
      continue;
    }
    let resealed: string[];
    try {
      resealed = values.map((v) => {
        const slot =
          idKey === 'agencyId' ? { agencyId: row.id, column: v.column } : { locationId: row.id, column: v.column };
        return cipher.seal(cipher.open(v.sealed, slot), slot);
      });
    } catch {
      const keyIds = [...new Set(values.map((v) => cipher.keyIdOf(v.sealed) ?? 'plaintext'))];
      result.unreadable.push({ [idKey]: row.id, keyIds } as Record<Id, string> & { keyIds: string[] });
      continue;
    }
    const saved = await db.query(
      `UPDATE ghl.${table} SET access_token = $4, refresh_token = $5
       WHERE id = $1 AND access_token = $2 AND refresh_token IS NOT DISTINCT FROM $3`,
      [row.id, row.accessToken, row.refreshToken, resealed[0], row.refreshToken === null ? null : resealed[1]],
    );
    // A refresh saved a new pair since the read, sealed under whatever key that worker holds as
    // current: left alone and reported, so the operator runs the rotation again.
    if (saved.rowCount === 1) result.rotated += 1;
    else result.changedMeanwhile += 1;
  }
  return result;
}

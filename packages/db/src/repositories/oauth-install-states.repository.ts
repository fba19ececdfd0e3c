import { createHash } from 'node:crypto';
import type { Queryable } from '../create-db.js';

const hash = (state: string) => createHash('sha256').update(state, 'utf8').digest('base64url');

/**
 * Remembers the `state` of one install request (`GET /oauth/install`) for `ttlMs`. Only its
 * SHA-256 is stored: a copy of the table cannot answer a callback.
 */
export async function createInstallState(
  db: Queryable,
  state: string,
  userType: 'Company' | 'Location',
  ttlMs: number,
): Promise<void> {
  await db.query(
    `INSERT INTO ghl.oauth_install_states (state_hash, user_type, expires_at)
     VALUES ($1, $2, now() + $3 * interval '1 millisecond')`,
    [hash(state), userType, ttlMs],
  );
  // Expired states are of no use to anyone: dropped as new ones come (a day late, for inspection).
  await db.query(`DELETE FROM ghl.oauth_install_states WHERE expires_at < now() - interval '1 day'`);
}

/**
 * Uses up an install state: succeeds once, for a state created here that has not expired.
 * @returns the token class the install asked for, or null (unknown, used or expired).
 */
export async function consumeInstallState(
  db: Queryable,
  state: string,
): Promise<{ userType: 'Company' | 'Location' } | null> {
  const { rows } = await db.query<{ userType: 'Company' | 'Location' }>(
    `UPDATE ghl.oauth_install_states SET used_at = now()
     WHERE state_hash = $1 AND used_at IS NULL AND expires_at > now()
     RETURNING user_type AS "userType"`,
    [hash(state)],
  );
  return rows[0] ?? null;
}

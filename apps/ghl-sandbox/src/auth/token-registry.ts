import { randomUUID } from 'node:crypto';

/** Result of looking up a bearer token. */
export type TokenLookup =
  { kind: 'valid'; locationId: string } | { kind: 'expired'; locationId: string } | { kind: 'unknown' };

/** Tokens of a fresh OAuth install (admin surface). */
export interface OAuthInstall {
  accessToken: string;
  refreshToken: string;
  /** Access-token lifetime in seconds. */
  expiresIn: number;
}

/** Result of a refresh-token exchange. */
export type RefreshResult =
  | { kind: 'ok'; locationId: string; accessToken: string; refreshToken: string; expiresIn: number }
  | { kind: 'invalid'; locationId: string | undefined };

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A JWT-shaped token (unsigned: nothing verifies it, clients only treat it as opaque). */
function jwtLike(claims: object): string {
  return `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url(claims)}.${Buffer.from(randomUUID()).toString('base64url')}`;
}

/**
 * All bearer tokens: static Private Integration Tokens (never expire, ghl-api.md §5.3) and OAuth
 * access/refresh pairs (ghl-api.md §5.1): access tokens expire after their TTL, refresh tokens
 * are single-use and rotate on every exchange [C S4, O/H S24].
 */
export class TokenRegistry {
  private readonly pits = new Map<string, string>();
  private readonly access = new Map<string, { locationId: string; expiresAtMs: number }>();
  private readonly refresh = new Map<string, { locationId: string; used: boolean; ttlSec: number }>();

  /** Registers a PIT for a location. */
  addPit(token: string, locationId: string): void {
    this.pits.set(token, locationId);
  }

  /** Whether any kind of token already uses this string. */
  has(token: string): boolean {
    return this.pits.has(token) || this.access.has(token) || this.refresh.has(token);
  }

  /** Resolves a bearer token at `nowMs`. */
  lookup(token: string, nowMs: number): TokenLookup {
    const pit = this.pits.get(token);
    if (pit !== undefined) return { kind: 'valid', locationId: pit };
    const access = this.access.get(token);
    if (access === undefined) return { kind: 'unknown' };
    return access.expiresAtMs > nowMs
      ? { kind: 'valid', locationId: access.locationId }
      : { kind: 'expired', locationId: access.locationId };
  }

  private issue(locationId: string, ttlSec: number, nowMs: number): { accessToken: string; refreshToken: string } {
    const iat = nowMs / 1000;
    const accessToken = jwtLike({
      authClass: 'Location',
      authClassId: locationId,
      source: 'INTEGRATION',
      channel: 'OAUTH',
      iat,
      exp: iat + ttlSec,
      jti: randomUUID(),
    });
    const refreshToken = jwtLike({
      authClass: 'Location',
      authClassId: locationId,
      type: 'refresh',
      iat,
      jti: randomUUID(),
    });
    this.access.set(accessToken, { locationId, expiresAtMs: nowMs + ttlSec * 1000 });
    this.refresh.set(refreshToken, { locationId, used: false, ttlSec });
    return { accessToken, refreshToken };
  }

  /** Creates an install: a fresh access/refresh pair whose access tokens live `ttlSec` seconds. */
  install(locationId: string, ttlSec: number, nowMs: number): OAuthInstall {
    return { ...this.issue(locationId, ttlSec, nowMs), expiresIn: ttlSec };
  }

  /** The location a refresh token was issued for, used or not. */
  refreshLocation(refreshToken: string): string | undefined {
    return this.refresh.get(refreshToken)?.locationId;
  }

  /**
   * Exchanges a refresh token: single use, so the old one is burnt; the previous access token
   * keeps working until its own expiry.
   */
  exchange(refreshToken: string, nowMs: number): RefreshResult {
    const entry = this.refresh.get(refreshToken);
    if (entry === undefined || entry.used) return { kind: 'invalid', locationId: entry?.locationId };
    entry.used = true;
    return {
      kind: 'ok',
      locationId: entry.locationId,
      ...this.issue(entry.locationId, entry.ttlSec, nowMs),
      expiresIn: entry.ttlSec,
    };
  }

  /** Expires every current OAuth access token of a location; returns how many. */
  expireAccess(locationId: string, nowMs: number): number {
    let expired = 0;
    for (const entry of this.access.values()) {
      if (entry.locationId === locationId && entry.expiresAtMs > nowMs) {
        entry.expiresAtMs = nowMs;
        expired += 1;
      }
    }
    return expired;
  }
}

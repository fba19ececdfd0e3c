import { randomUUID } from 'node:crypto';

/** Who an OAuth token speaks for: a sub-account or an agency (`authClass` claim, ghl-api.md §5.1 [O S25]). */
export type AuthClass = 'Location' | 'Company';

/** Result of looking up a bearer token. */
export type TokenLookup =
  | { kind: 'valid'; locationId: string }
  | { kind: 'expired'; locationId: string }
  | { kind: 'company'; companyId: string; expired: boolean }
  | { kind: 'unknown' };

/** Tokens of a fresh OAuth install (admin surface). */
export interface OAuthInstall {
  accessToken: string;
  refreshToken: string;
  /** Access-token lifetime in seconds. */
  expiresIn: number;
}

/** An access/refresh pair issued by the authorization-code or refresh grant. */
export interface IssuedPair {
  authClass: AuthClass;
  /** The location id (Location tokens) or the company id (Company tokens). */
  ownerId: string;
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

/** Result of a refresh-token exchange. */
export type RefreshResult =
  ({ kind: 'ok' } & IssuedPair) | { kind: 'invalid'; reused: boolean; authClass?: AuthClass; ownerId?: string };

/** What an authorization code grants, fixed when it is issued. */
export interface AuthorizationGrant {
  authClass: AuthClass;
  ownerId: string;
  /** The agency the token belongs to (for Location grants, the location's agency). */
  companyId: string;
  /** Locations the install approved (Company grants). */
  approvedLocations: string[];
  /** Redirect URI the code was issued for; the exchange must repeat it when given. */
  redirectUri?: string;
}

/** Lifetime of an authorization code, in ms. GHL does not document it; 10 minutes is our inference. */
const CODE_TTL_MS = 10 * 60_000;

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A JWT-shaped token (unsigned: nothing verifies it, clients only treat it as opaque). */
function jwtLike(claims: object): string {
  return `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url(claims)}.${Buffer.from(randomUUID()).toString('base64url')}`;
}

interface AccessEntry {
  authClass: AuthClass;
  ownerId: string;
  expiresAtMs: number;
}

interface RefreshEntry {
  authClass: AuthClass;
  ownerId: string;
  used: boolean;
  ttlSec: number;
}

/**
 * All bearer tokens: static Private Integration Tokens (never expire, ghl-api.md §5.3), OAuth
 * access/refresh pairs of locations and agencies (ghl-api.md §5.1): access tokens expire after
 * their TTL, refresh tokens are single-use and rotate on every exchange [C S4, O/H S24]; minted
 * location tokens without refresh token (§5.2); single-use authorization codes (§5.1, Reconnect
 * API [C S17]).
 */
export class TokenRegistry {
  private readonly pits = new Map<string, string>();
  private readonly access = new Map<string, AccessEntry>();
  private readonly refresh = new Map<string, RefreshEntry>();
  private readonly codes = new Map<string, AuthorizationGrant & { used: boolean; expiresAtMs: number }>();

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
    const live = access.expiresAtMs > nowMs;
    if (access.authClass === 'Company') return { kind: 'company', companyId: access.ownerId, expired: !live };
    return live ? { kind: 'valid', locationId: access.ownerId } : { kind: 'expired', locationId: access.ownerId };
  }

  private accessToken(authClass: AuthClass, ownerId: string, ttlSec: number, nowMs: number): string {
    const iat = nowMs / 1000;
    const token = jwtLike({
      authClass,
      authClassId: ownerId,
      source: 'INTEGRATION',
      channel: 'OAUTH',
      iat,
      exp: iat + ttlSec,
      jti: randomUUID(),
    });
    this.access.set(token, { authClass, ownerId, expiresAtMs: nowMs + ttlSec * 1000 });
    return token;
  }

  /** Issues an access/refresh pair whose access tokens live `ttlSec` seconds. */
  issuePair(authClass: AuthClass, ownerId: string, ttlSec: number, nowMs: number): IssuedPair {
    const accessToken = this.accessToken(authClass, ownerId, ttlSec, nowMs);
    const refreshToken = jwtLike({
      authClass,
      authClassId: ownerId,
      type: 'refresh',
      iat: nowMs / 1000,
      jti: randomUUID(),
    });
    this.refresh.set(refreshToken, { authClass, ownerId, used: false, ttlSec });
    return { authClass, ownerId, accessToken, refreshToken, expiresIn: ttlSec };
  }

  /** Creates a Location install: a fresh access/refresh pair whose access tokens live `ttlSec` seconds. */
  install(locationId: string, ttlSec: number, nowMs: number): OAuthInstall {
    const pair = this.issuePair('Location', locationId, ttlSec, nowMs);
    return { accessToken: pair.accessToken, refreshToken: pair.refreshToken, expiresIn: ttlSec };
  }

  /** Mints a Location access token without refresh token (`POST /oauth/locationToken`, ghl-api.md §5.2). */
  mintLocationToken(locationId: string, ttlSec: number, nowMs: number): string {
    return this.accessToken('Location', locationId, ttlSec, nowMs);
  }

  /** Who a refresh token was issued for, used or not. */
  refreshOwner(refreshToken: string): { authClass: AuthClass; ownerId: string } | undefined {
    const entry = this.refresh.get(refreshToken);
    return entry === undefined ? undefined : { authClass: entry.authClass, ownerId: entry.ownerId };
  }

  /** The location a Location refresh token was issued for, used or not. */
  refreshLocation(refreshToken: string): string | undefined {
    const entry = this.refresh.get(refreshToken);
    return entry?.authClass === 'Location' ? entry.ownerId : undefined;
  }

  /**
   * Exchanges a refresh token: single use, so the old one is burnt; the previous access token
   * keeps working until its own expiry.
   */
  exchange(refreshToken: string, nowMs: number): RefreshResult {
    const entry = this.refresh.get(refreshToken);
    if (entry === undefined) return { kind: 'invalid', reused: false };
    if (entry.used) return { kind: 'invalid', reused: true, authClass: entry.authClass, ownerId: entry.ownerId };
    entry.used = true;
    return { kind: 'ok', ...this.issuePair(entry.authClass, entry.ownerId, entry.ttlSec, nowMs) };
  }

  /** Issues a single-use authorization code (install approval or Reconnect API). */
  issueCode(grant: AuthorizationGrant, nowMs: number): { code: string; expiresAtMs: number } {
    const code = randomUUID().replaceAll('-', '');
    const expiresAtMs = nowMs + CODE_TTL_MS;
    this.codes.set(code, { ...grant, used: false, expiresAtMs });
    return { code, expiresAtMs };
  }

  /** Consumes an authorization code; undefined when unknown, used or expired. */
  redeemCode(code: string, nowMs: number): AuthorizationGrant | undefined {
    const entry = this.codes.get(code);
    if (entry === undefined || entry.used || entry.expiresAtMs <= nowMs) return undefined;
    entry.used = true;
    const { used: _used, expiresAtMs: _expiresAtMs, ...grant } = entry;
    return grant;
  }

  /** Expires every current access token of a location (or of a company); returns how many. */
  expireAccess(ownerId: string, nowMs: number): number {
    let expired = 0;
    for (const entry of this.access.values()) {
      if (entry.ownerId === ownerId && entry.expiresAtMs > nowMs) {
        entry.expiresAtMs = nowMs;
        expired += 1;
      }
    }
    return expired;
  }
}

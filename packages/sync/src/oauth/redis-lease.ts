import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
const RENEW_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;

/** A held lease: renewed in the background until released. */
export interface Lease {
  /** False once a renewal found the key gone or taken (the lease expired while we held it). */
  readonly held: boolean;
  /**
   * Asks Redis whether the key is still ours (the renewal only notices a loss every `ttlMs / 3`):
   * a holder that was paused past its TTL finds out here before it acts on what it read.
   */
  check(): Promise<boolean>;
  /** Stops renewing and deletes the key if it is still ours. Idempotent. */
  release(): Promise<void>;
}

/**
 * Tries to take `key` for `ttlMs` (SET NX PX). While held, the lease is renewed every `ttlMs / 3`
 * so a slow call under it (a refresh waiting for its answer) keeps it; a process that dies lets it
 * expire after `ttlMs`. A lease can still be lost (Redis unreachable longer than the TTL), so what
 * it protects must also be fenced in the store (see `saveLocationTokens`' compare-and-set).
 * @returns the lease, or null when someone else holds the key.
 */
export async function tryLease(redis: Redis | Cluster, key: string, ttlMs: number): Promise<Lease | null> {
  const owner = randomUUID();
  if ((await redis.set(key, owner, 'PX', ttlMs, 'NX')) !== 'OK') return null;
  let held = true;
  let released = false;
  const timer = setInterval(
    () => {
      redis.eval(RENEW_LUA, 1, key, owner, String(ttlMs)).then(
        (renewed) => {
          if (renewed !== 1) held = false;
        },
        () => {
          // Redis unreachable: the lease may expire; the store's fencing covers what happens next.
        },
      );
    },
    Math.max(50, Math.floor(ttlMs / 3)),
  );
  timer.unref();
  return {
    get held() {
      return held;
    },
    async check() {
      if (!held) return false;
      if ((await redis.get(key)) !== owner) held = false;
      return held;
    },
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      held = false;
      await redis.eval(RELEASE_LUA, 1, key, owner).catch(() => undefined);
    },
  };
}

import type { FastifyInstance } from 'fastify';
import type { Db } from '@ghl-sync/db';
import type { Redis } from 'ioredis';
import { PUBLIC_ROUTE } from '../auth/route-access.js';
import { errorResponse } from '../http/error-response.js';

/** Options for {@link registerHealthRoutes}. */
export interface HealthRoutesOptions {
  db: Db;
  redis: Pick<Redis, 'ping'>;
  /** Per-dependency timeout, in ms. */
  timeoutMs: number;
  /** Where the reason a dependency failed goes: the log, never the public answer. */
  logger: { warn(obj: object, msg?: string): void };
}

type CheckResult = { ok: true } | { ok: false; error: string };

async function check(probe: () => Promise<unknown>, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([probe(), timeout]);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `GET /health`: the process answers (liveness; no dependency is touched, so a Postgres outage
 * does not get the API restarted). `GET /ready`: Redis answers PING and Postgres answers
 * `SELECT 1`; 503 naming the one(s) that did not. The answer is public, so it says only which
 * dependency is `ok` or `down`; why (a hostname, a driver's message) goes to the log.
 */
export function registerHealthRoutes(app: FastifyInstance, options: HealthRoutesOptions): void {
  app.get('/health', { config: PUBLIC_ROUTE }, async () => ({ status: 'ok' }));

  app.get('/ready', { config: PUBLIC_ROUTE }, async (_request, reply) => {
    const [redis, postgres] = await Promise.all([
      check(() => options.redis.ping(), options.timeoutMs),
      check(() => options.db.query('SELECT 1'), options.timeoutMs),
    ]);
    if (redis.ok && postgres.ok) return { status: 'ready', checks: { redis: 'ok', postgres: 'ok' } };
    const failed = [...(postgres.ok ? [] : ['postgres']), ...(redis.ok ? [] : ['redis'])];
    options.logger.warn(
      { ...(redis.ok ? {} : { redis: redis.error }), ...(postgres.ok ? {} : { postgres: postgres.error }) },
      'not ready',
    );
    const checks = { redis: redis.ok ? 'ok' : 'down', postgres: postgres.ok ? 'ok' : 'down' };
    return errorResponse(
      reply,
      503,
      postgres.ok ? 'redis_error' : 'db_error',
      `Not ready: ${failed.join(' and ')} did not answer`,
      { details: { failed, checks } },
    );
  });
}

import type { FastifyInstance } from 'fastify';
import type { ShutdownRegistry } from '@ghl-sync/lifecycle';

/** Options of {@link startApi} beyond the config. */
export interface StartApiOptions {
  /** Interface to listen on; overrides `API_HOST`. @defaultValue config.API_HOST ('127.0.0.1') */
  host?: string;
}

/** A listening admin API and what it holds open. */
export interface RunningApi {
  app: FastifyInstance;
  /** Base URL it listens on, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** The port actually bound (meaningful with `API_PORT=0`). */
  port: number;
  /** What it holds open; closes in order: stop accepting HTTP, close queues, quit Redis, end the Postgres pool. */
  registry: ShutdownRegistry;
  /** Closes the registry; idempotent. @returns true when every step closed. */
  close(): Promise<boolean>;
}

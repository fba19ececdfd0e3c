// Test-only helpers shared by the client test files.
import { GhlSyncError } from '@ghl-sync/errors';
import {
  createGhlClient,
  type GhlClient,
  type GhlClientOptions,
  type GhlRequestEvent,
  type RequestGate,
} from '../index.js';
import type { FakeGhlServer, FakeReply } from './fake-ghl-server.js';

/** A token distinctive enough that finding it anywhere in an error is unambiguous. */
export const TOKEN = 'pit-7c1d2e3f-SECRET-access-token-4a5b';
export const LOCATION_ID = 'loc-ox6oTestLocation';

/** A client against the fake with fast backoff; returns the events it emitted too. */
export function testClient(
  server: FakeGhlServer,
  overrides: Partial<GhlClientOptions> = {},
): { client: GhlClient; events: GhlRequestEvent[] } {
  const events: GhlRequestEvent[] = [];
  const client = createGhlClient({
    baseUrl: server.baseUrl,
    locationId: LOCATION_ID,
    auth: { getAccessToken: async () => TOKEN },
    timeoutMs: 2_000,
    backoffBaseMs: 1,
    backoffMaxMs: 5,
    onRequest: (e) => events.push(e),
    ...overrides,
  });
  return { client, events };
}

/** A 200 search answer. */
export function searchReply(
  opportunities: unknown[] = [],
  meta: Record<string, unknown> = { total: opportunities.length },
): FakeReply {
  return { status: 200, body: { opportunities, meta, aggregations: {}, traceId: 'trace-ok' } };
}

/** The rejection of `promise` (fails the test when it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<GhlSyncError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof GhlSyncError) return err;
    throw new Error(`expected a GhlSyncError, got ${String(err)}`);
  }
  throw new Error('expected a rejection');
}

/** A gate that records calls and can be told to throw. */
export function recordingGate(): RequestGate & {
  acquired: number;
  observed: { status: number; headers: Record<string, string | undefined> }[];
  failAcquireOn?: number;
  failWith?: GhlSyncError;
} {
  const gate = {
    acquired: 0,
    observed: [] as { status: number; headers: Record<string, string | undefined> }[],
    failAcquireOn: undefined as number | undefined,
    failWith: undefined as GhlSyncError | undefined,
    async acquire(locationId: string) {
      if (locationId !== LOCATION_ID) throw new Error(`wrong location ${locationId}`);
      gate.acquired += 1;
      if (gate.failAcquireOn === gate.acquired)
        throw (
          gate.failWith ??
          new GhlSyncError('ghl_rate_limited', 'no request slot within the wait cap', {
            details: { locationId, retryAfterMs: 5_000, paused: false },
          })
        );
    },
    async observe(locationId: string, response: { status: number; headers: Record<string, string | undefined> }) {
      if (locationId !== LOCATION_ID) throw new Error(`wrong location ${locationId}`);
      gate.observed.push(response);
    },
  };
  return gate;
}

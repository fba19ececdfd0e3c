import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getActiveRun, listRuns, markLocationNeedsReconnect, upsertLocation } from '@ghl-sync/db';
import { createLogger, silentLogger } from '@ghl-sync/logger';
import { createQueues, createRedisConnection, type Queues } from '@ghl-sync/queues';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '@ghl-sync/testing';
import { failRunForJob, finishRun, openRun, startRun, type RunLifecycleDeps } from '../src/runs/index.js';

let t: TestDatabase;
let r: TestRedis;
let queues: Queues;
let deps: RunLifecycleDeps;
const HOUR_MS = 3_600_000;

beforeAll(async () => {
  t = await createTestDatabase();
  r = await createTestRedis();
  queues = createQueues({ connection: createRedisConnection(r.url, 'producer'), prefix: r.prefix });
  deps = { db: t.db, queues, logger: silentLogger(), runDeadlineMs: HOUR_MS };
});
afterAll(async () => {
  await queues?.close();
  await t?.drop();
  await r?.cleanup();
});

describe('startRun', () => {
  it('opens a queued run with its deadline and enqueues its coordinator under the run key', async () => {
    await upsertLocation(t.db, { id: 'loc-ok', accessToken: 'pit-x' }, t.tokens);
    const before = Date.now();
    const { run, jobId } = await startRun(deps, { locationId: 'loc-ok', trigger: 'cli', mode: 'resync' });
    expect(run).toMatchObject({ locationId: 'loc-ok', trigger: 'cli', mode: 'resync', status: 'queued' });
    expect(run.deadlineAt!.getTime()).toBeGreaterThanOrEqual(before + HOUR_MS);
    const job = await queues.coordinator.getJob(jobId);
    expect(job?.data).toEqual({
      locationId: 'loc-ok',
      runId: run.id,
      trigger: 'cli',
      mode: 'resync',
      allowMassDelete: false,
    });
  });

  it('refuses a location that is not registered or needs reconnection, and opens no run', async () => {
    await expect(startRun(deps, { locationId: 'nope', trigger: 'api' })).rejects.toMatchObject({
      code: 'location_not_found',
      message: expect.stringContaining('ghl-sync locations add nope --token'),
    });
    await upsertLocation(t.db, { id: 'loc-r', accessToken: 'pit-x' }, t.tokens);
    await markLocationNeedsReconnect(t.db, 'loc-r', 'Location is not active');
    await expect(startRun(deps, { locationId: 'loc-r', trigger: 'api' })).rejects.toMatchObject({
      code: 'location_needs_reconnect',
      message: expect.stringContaining('Location is not active'),
    });
    expect(await listRuns(t.db, { locationId: 'loc-r' })).toEqual([]);
  });

  it('ends the run failed (redis_error) when its coordinator cannot be enqueued, freeing the location at once', async () => {
    await upsertLocation(t.db, { id: 'loc-blip', accessToken: 'pit-x' }, t.tokens);
    const connection = createRedisConnection(r.url, 'producer');
    const lost = createQueues({ connection, prefix: r.prefix });
    await lost.coordinator.waitUntilReady();
    connection.disconnect(); // Redis is gone for this producer: every enqueue fails
    const error = await startRun({ ...deps, queues: lost }, { locationId: 'loc-blip', trigger: 'cli' }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'redis_error', details: { runId: expect.any(Number) } });
    const [failed] = await listRuns(t.db, { locationId: 'loc-blip' });
    expect(failed).toMatchObject({ status: 'failed', errorCode: 'redis_error' });
    expect(await getActiveRun(t.db, 'loc-blip')).toBeNull();
    const { run } = await startRun(deps, { locationId: 'loc-blip', trigger: 'cli' });
    expect(run.status).toBe('queued');
    await lost.close().catch(() => undefined);
  });
});

describe('failRunForJob', () => {
  it('finds the run a scheduled fire opened by its coordinator job id and ends it failed with the error code', async () => {
    await upsertLocation(t.db, { id: 'loc-s', accessToken: 'pit-x' }, t.tokens);
    const run = await openRun(deps, { locationId: 'loc-s', trigger: 'schedule', coordinatorJobId: 'repeat:abc:1' });
    const failed = await failRunForJob(
      deps,
      { jobId: 'repeat:abc:1' },
      { code: 'ghl_unauthorized', message: 'GHL answered 401' },
    );
    expect(failed).toMatchObject({ id: run.id, status: 'failed', errorCode: 'ghl_unauthorized' });
    expect(failed!.finishedAt).toBeInstanceOf(Date);
    expect(await getActiveRun(t.db, 'loc-s')).toBeNull();
    // Ending it twice is a no-op: the hook may run again for a retried final failure.
    expect(await failRunForJob(deps, { runId: run.id }, { code: 'internal_error', message: 'x' })).toBeNull();
    expect(
      await failRunForJob(deps, { jobId: 'repeat:unknown:1' }, { code: 'internal_error', message: 'x' }),
    ).toBeNull();
  });

  it('logs the failure with each key once when the worker already bound the job and run', async () => {
    await upsertLocation(t.db, { id: 'loc-l', accessToken: 'pit-x' }, t.tokens);
    const run = await openRun(deps, { locationId: 'loc-l', trigger: 'cli' });
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _e, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    // As createWorkers binds a coordinator job's logger.
    const logger = createLogger({ name: 't', level: 'info', format: 'json', destination }).child({
      queue: 'sync-coordinator',
      jobId: 'run-x-coordinator',
      runId: run.id,
    });
    await failRunForJob(
      { ...deps, logger },
      { runId: run.id, jobId: 'run-x-coordinator' },
      { code: 'x', message: 'y' },
    );
    expect(lines).toHaveLength(1);
    for (const key of ['jobId', 'runId', 'locationId'])
      expect(lines[0]!.split(`"${key}":`).length - 1, `${key} in ${lines[0]}`).toBe(1);
  });
});

describe('ending a run ends the location’s sync in the rate limiter', () => {
  it('calls onSyncEnded once, from the call that closed the run, and ends the run when it throws', async () => {
    const ended: string[] = [];
    const withHook = { ...deps, onSyncEnded: async (locationId: string) => void ended.push(locationId) };
    await upsertLocation(t.db, { id: 'loc-e', accessToken: 'pit-x' }, t.tokens);
    const run = await openRun(deps, { locationId: 'loc-e', trigger: 'cli' });
    expect(await finishRun(withHook, run.id, silentLogger())).toMatchObject({ id: run.id, status: 'completed' });
    expect(ended).toEqual(['loc-e']);
    // A late call for the ended run (a redelivered finalize) must not end the next run's sync.
    expect(await finishRun(withHook, run.id, silentLogger())).toBeNull();
    expect(ended).toEqual(['loc-e']);

    const failing = await openRun(deps, { locationId: 'loc-e', trigger: 'cli', coordinatorJobId: 'job-e' });
    const broken = {
      ...deps,
      onSyncEnded: async () => {
        throw new Error('Redis is down');
      },
    };
    expect(await failRunForJob(broken, { jobId: 'job-e' }, { code: 'internal_error', message: 'x' })).toMatchObject({
      id: failing.id,
      status: 'failed',
    });
    expect(await getActiveRun(t.db, 'loc-e')).toBeNull();
    expect(await failRunForJob(withHook, { runId: failing.id }, { code: 'internal_error', message: 'x' })).toBeNull();
    expect(ended).toEqual(['loc-e']);
  });
});

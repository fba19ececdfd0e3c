import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRun, listRuns } from '@ghl-sync/db';
import type { RunningWorker } from '@ghl-sync/worker';
import { CLI_BIN, startTestStack, type TestStack } from '../support/test-stack.js';
import { fireSchedule } from '../support/schedule-fire.js';
import { until } from '../support/upstream.js';

// #5 "Schedules": one BullMQ job scheduler per scheduled location, however workers boot and
// whatever users change.
describe('location schedules', () => {
  let stack: TestStack;
  const ids: string[] = [];
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [CLI_BIN, ...args], { env: { ...process.env, ...stack.env }, encoding: 'utf8' });

  const schedulers = async () => {
    const all = await stack.queues.coordinator.getJobSchedulers(0, -1);
    return all
      .filter((s) => (s.key ?? '').startsWith('schedule-'))
      .map((s) => ({ key: s.key, pattern: s.pattern, tz: s.tz, next: s.next }));
  };
  const pendingPerLocation = async () => {
    const delayed = await stack.queues.coordinator.getDelayed(0, -1);
    const counts: Record<string, number> = {};
    for (const job of delayed) counts[String(job.data.locationId)] = (counts[String(job.data.locationId)] ?? 0) + 1;
    return counts;
  };

  beforeAll(async () => {
    stack = await startTestStack({
      sandbox: { seed: 51, locations: [{ opportunities: 30 }, { opportunities: 30 }, { opportunities: 30 }] },
      registerLocations: false,
      env: { SCHEDULER_ENABLED: 'true' },
    });
    for (const l of stack.sandbox.locations) ids.push(l.id);
    expect(cli('locations', 'add', ids[0]!, '--token', stack.sandbox.locations[0]!.token, '--no-check').status).toBe(0); // default: every 30 minutes
    expect(
      cli(
        'locations',
        'add',
        ids[1]!,
        '--token',
        stack.sandbox.locations[1]!.token,
        '--schedule',
        '0 0 1 1 *',
        '--tz',
        'America/Chicago',
        '--no-check',
      ).status,
    ).toBe(0);
    expect(
      cli('locations', 'add', ids[2]!, '--token', stack.sandbox.locations[2]!.token, '--no-schedule', '--no-check')
        .status,
    ).toBe(0);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('four workers booting at once and three crash-restarts leave one scheduler and at most one pending job per scheduled location', async () => {
    let workers: RunningWorker[] = await Promise.all([1, 2, 3, 4].map(() => stack.startWorkers(1).then((w) => w[0]!)));
    for (let restart = 0; restart < 3; restart++) {
      const victim = workers[restart]!;
      await victim.workers.close(true); // a crash: active jobs abandoned, then a fresh process boots
      await victim.close();
      workers = [...workers.slice(0, restart), (await stack.startWorkers(1))[0]!, ...workers.slice(restart + 1)];
    }
    const list = await schedulers();
    expect(list.map((s) => s.key).sort()).toEqual([`schedule-${ids[0]}`, `schedule-${ids[1]}`].sort());
    expect(list.find((s) => s.key === `schedule-${ids[0]}`)).toMatchObject({ pattern: '*/30 * * * *', tz: 'UTC' });
    expect(list.find((s) => s.key === `schedule-${ids[1]}`)).toMatchObject({
      pattern: '0 0 1 1 *',
      tz: 'America/Chicago',
      next: Date.parse('2027-01-01T06:00:00Z'),
    });
    expect(await pendingPerLocation()).toEqual({ [ids[0]!]: 1, [ids[1]!]: 1 });
  });

  it('a pattern change keeps one scheduler with the next fire time of the newest pattern', async () => {
    expect(cli('locations', 'update', ids[1]!, '--schedule', '0 12 1 2 *', '--tz', 'UTC').status).toBe(0);
    const s = (await schedulers()).filter((x) => x.key === `schedule-${ids[1]}`);
    expect(s).toEqual([
      { key: `schedule-${ids[1]}`, pattern: '0 12 1 2 *', tz: 'UTC', next: Date.parse('2027-02-01T12:00:00Z') },
    ]);
    expect((await pendingPerLocation())[ids[1]!]).toBe(1);
  });

  it('remove then re-add leaves exactly one scheduler again', async () => {
    expect(cli('locations', 'update', ids[0]!, '--no-schedule').status).toBe(0);
    expect((await schedulers()).map((s) => s.key)).toEqual([`schedule-${ids[1]}`]);
    expect((await pendingPerLocation())[ids[0]!]).toBeUndefined();
    expect(cli('locations', 'update', ids[0]!, '--schedule', '*/15 * * * *').status).toBe(0);
    expect((await schedulers()).filter((s) => s.key === `schedule-${ids[0]}`)).toHaveLength(1);
    expect((await pendingPerLocation())[ids[0]!]).toBe(1);
  });

  it('skips and logs a scheduled fire while the location has an active run, without queueing it behind', async () => {
    const active = await createRun(stack.database.db, { locationId: ids[2]!, trigger: 'test' });
    const job = await fireSchedule(stack, ids[2]!);
    await until(async () => (await job.getState()) === 'completed', 20_000, 'the scheduled fire');
    const done = await stack.queues.coordinator.getJob(job.id!);
    expect(done?.returnvalue).toEqual({ runId: null, skipped: 'run_already_active' });
    expect((await listRuns(stack.database.db, { locationId: ids[2] })).map((r) => r.id)).toEqual([active.id]);
    expect(stack.logs.join('')).toContain('scheduled sync skipped: the location has an active run');
  });
});

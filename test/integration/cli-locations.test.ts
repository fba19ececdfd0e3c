import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getLocation } from '@ghl-sync/db';
import { CLI_BIN, startTestStack, type TestStack } from '../support/test-stack.js';

// #2 / #4: registering locations from the CLI, PIT or OAuth, without ever printing a token back.
describe('ghl-sync locations', () => {
  let stack: TestStack;
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [CLI_BIN, ...args], { env: { ...process.env, ...stack.env }, encoding: 'utf8' });
  beforeAll(async () => {
    stack = await startTestStack({ sandbox: { locations: [{ opportunities: 0 }] }, registerLocations: false });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('registers an OAuth location with both tokens and its expiry, and never prints a token', async () => {
    const before = Date.now();
    const add = cli(
      'locations',
      'add',
      'loc-oauth',
      '--token',
      'at-secret-123',
      '--refresh-token',
      'rt-secret-456',
      '--expires-in',
      '3600',
      '--no-schedule',
      '--no-check',
    );
    expect(add.status).toBe(0);
    expect(add.stdout).toContain('OAuth tokens stored, not shown');
    const saved = await getLocation(stack.database.db, 'loc-oauth', stack.database.tokens);
    expect(saved).toMatchObject({
      authType: 'oauth',
      accessToken: 'at-secret-123',
      refreshToken: 'rt-secret-456',
      scheduleCron: null,
    });
    expect(saved!.tokenExpiresAt!.getTime()).toBeGreaterThanOrEqual(before + 3_599_000);
    expect(saved!.tokenExpiresAt!.getTime()).toBeLessThanOrEqual(Date.now() + 3_600_000);

    const list = cli('locations', 'list', '--json');
    expect(list.status).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ id: 'loc-oauth', authType: 'oauth' })]);
    for (const out of [add.stdout + add.stderr, list.stdout + list.stderr]) {
      expect(out).not.toContain('at-secret-123');
      expect(out).not.toContain('rt-secret-456');
    }
  });

  it('refuses ids outside the documented rule before touching Postgres: location ids and run ids', async () => {
    for (const args of [
      ['locations', 'add', 'loc/bad', '--token', 'x', '--no-check'],
      ['locations', 'update', 'loc bad', '--no-schedule'],
      ['sync', 'x'.repeat(65)],
      ['runs', 'list', '--location', 'a;b'],
    ]) {
      const res = cli(...args);
      expect(res.status, args.join(' ')).toBe(1);
      expect(res.stderr).toMatch(
        /^error \[invalid_argument\]: .* must be 1 to 64 characters from A-Z, a-z, 0-9, "_" and "-"/,
      );
    }
    const run = cli('runs', 'show', '99999999999');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('error [invalid_argument]: --runId must be a whole number from 1 to 2147483647');
    expect(await getLocation(stack.database.db, 'loc/bad', stack.database.tokens)).toBeNull();
  });

  it('rejects a bad expiry with a clear error and writes nothing', async () => {
    const bad = cli('locations', 'add', 'loc-bad', '--token', 'x', '--refresh-token', 'y', '--expires-in', 'soon');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('error [invalid_argument]: --expires-in must be a whole number from 1 up, got "soon"');
    expect(await getLocation(stack.database.db, 'loc-bad', stack.database.tokens)).toBeNull();
  });

  it('lists every config problem at once when the environment is wrong', () => {
    const out = spawnSync(process.execPath, [CLI_BIN, 'locations', 'list'], {
      env: { ...process.env, ...stack.env, DATABASE_URL: 'nope', GHL_PAGE_SIZE: '500', LOG_LEVEL: 'loud' },
      encoding: 'utf8',
    });
    expect(out.status).toBe(1);
    expect(out.stderr).toContain('error [config_invalid]: Invalid configuration (3 problems)');
    for (const name of ['DATABASE_URL', 'GHL_PAGE_SIZE', 'LOG_LEVEL']) expect(out.stderr).toContain(`- ${name}:`);
  });
});

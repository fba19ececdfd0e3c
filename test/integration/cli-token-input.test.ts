import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getLocation } from '@ghl-sync/db';
import { CLI_BIN, startTestStack, type TestStack } from '../support/test-stack.js';

// `locations add` never needs a token on its command line, where `ps` shows it to every user of the host.
describe('ghl-sync locations add: token input', { timeout: 120_000 }, () => {
  let stack: TestStack;
  const env = () => ({ ...process.env, ...stack.env });
  beforeAll(async () => {
    stack = await startTestStack({ sandbox: { locations: [{ opportunities: 0 }] }, registerLocations: false });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('--token-stdin: while the command runs, neither its command line nor `ps -eo args` holds the token', async () => {
    const child = spawn(
      process.execPath,
      [CLI_BIN, 'locations', 'add', 'loc-stdin', '--token-stdin', '--no-check', '--no-schedule'],
      { env: env(), stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr!.on('data', (c) => (stderr += String(c)));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // The process is alive and waiting for stdin: look at it the way another user of the host would.
    const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0').join(' ');
    expect(cmdline).toContain('--token-stdin');
    child.stdin!.write('pit-stdin-secret-7f3a\n');
    const ps = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    expect(ps.stdout).toContain('--token-stdin');
    child.stdin!.end();
    expect(await exited, stderr).toBe(0);
    expect(cmdline + ps.stdout).not.toContain('pit-stdin-secret-7f3a');
    expect(stderr).not.toContain('warning');
    expect(await getLocation(stack.database.db, 'loc-stdin', stack.database.tokens)).toMatchObject({
      authType: 'pit',
      accessToken: 'pit-stdin-secret-7f3a',
    });
  });

  it('takes an OAuth pair from stdin (two lines), from files, or from GHL_TOKEN / GHL_REFRESH_TOKEN', async () => {
    const stdin = spawnSync(
      process.execPath,
      [CLI_BIN, 'locations', 'add', 'loc-pair', '--token-stdin', '--no-check', '--no-schedule'],
      { env: env(), input: 'at-pair-1\nrt-pair-2\n', encoding: 'utf8' },
    );
    expect(stdin.status, stdin.stderr).toBe(0);
    expect(await getLocation(stack.database.db, 'loc-pair', stack.database.tokens)).toMatchObject({
      authType: 'oauth',
      accessToken: 'at-pair-1',
      refreshToken: 'rt-pair-2',
    });

    const dir = mkdtempSync(join(tmpdir(), 'ghl-sync-token-'));
    writeFileSync(join(dir, 'token'), 'pit-file-3\n', { mode: 0o600 });
    const file = spawnSync(
      process.execPath,
      [CLI_BIN, 'locations', 'add', 'loc-file', '--token-file', join(dir, 'token'), '--no-check', '--no-schedule'],
      { env: env(), encoding: 'utf8' },
    );
    expect(file.status, file.stderr).toBe(0);
    expect((await getLocation(stack.database.db, 'loc-file', stack.database.tokens))!.accessToken).toBe('pit-file-3');

    const fromEnv = spawnSync(
      process.execPath,
      [CLI_BIN, 'locations', 'add', 'loc-env', '--no-check', '--no-schedule'],
      { env: { ...env(), GHL_TOKEN: 'at-env-4', GHL_REFRESH_TOKEN: 'rt-env-5' }, encoding: 'utf8' },
    );
    expect(fromEnv.status, fromEnv.stderr).toBe(0);
    expect(await getLocation(stack.database.db, 'loc-env', stack.database.tokens)).toMatchObject({
      authType: 'oauth',
      accessToken: 'at-env-4',
      refreshToken: 'rt-env-5',
    });
  });

  it('warns when --token is used, and refuses without any token (stdin not a terminal) writing nothing', async () => {
    const argv = spawnSync(
      process.execPath,
      [CLI_BIN, 'locations', 'add', 'loc-argv', '--token', 'pit-argv-6', '--no-check', '--no-schedule'],
      { env: env(), encoding: 'utf8' },
    );
    expect(argv.status, argv.stderr).toBe(0);
    expect(argv.stderr).toContain('warning: --token puts the token on the command line');
    expect(argv.stderr).not.toContain('pit-argv-6');

    const none = spawnSync(process.execPath, [CLI_BIN, 'locations', 'add', 'loc-none', '--no-check'], {
      env: env(),
      input: '',
      encoding: 'utf8',
    });
    expect(none.status).toBe(1);
    expect(none.stderr).toContain('error [invalid_argument]: no token given');
    expect(await getLocation(stack.database.db, 'loc-none', stack.database.tokens)).toBeNull();
  });
});

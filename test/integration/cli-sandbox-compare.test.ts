import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, startTestStack, type TestStack } from '../support/test-stack.js';
import { upstreamRecords } from '../support/upstream.js';

// `ghl-sync sandbox compare`: the check the demo makes, for any location, from the CLI. The sandbox
// runs in this process, so the CLI is spawned asynchronously (spawnSync would block its answers).
describe('ghl-sync sandbox compare', () => {
  let stack: TestStack;
  const loc = () => stack.sandbox.locations[0]!.id;
  const cli = (args: string[], env: Record<string, string> = {}) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI_BIN, ...args], { env: { ...process.env, ...stack.env, ...env } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += String(d)));
      child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });

  beforeAll(async () => {
    stack = await startTestStack({ sandbox: { seed: 41, locations: [{ opportunities: 1_250 }] } });
    await stack.startWorkers(1);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('exits 0 with the counts after a sync, tombstones included', async () => {
    expect((await stack.sync(loc())).status).toBe('completed');
    const gone = (await upstreamRecords(stack.sandbox, loc())).slice(0, 3).map((r) => r.id);
    for (const id of gone) stack.sandbox.admin.deleteOpportunity(loc(), id);
    expect((await stack.sync(loc())).status).toBe('completed');

    const res = await cli(['sandbox', 'compare', loc()]);
    expect(res.stderr).toBe('');
    expect(res.stdout).toBe('checked 1247, tombstoned 3, mismatches 0\n');
    expect(res.status).toBe(0);
    const json = await cli(['sandbox', 'compare', loc(), '--json']);
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ locationId: loc(), checked: 1247, tombstoned: 3, mismatches: [] });
  });

  it('exits 2 and names the opportunity changed upstream since the sync', async () => {
    const changed = (await upstreamRecords(stack.sandbox, loc()))[0]!.id;
    stack.sandbox.admin.updateOpportunity(loc(), changed, { name: 'renamed since the sync' });

    const res = await cli(['sandbox', 'compare', loc()]);
    expect(res.status).toBe(2);
    expect(res.stdout).toContain('checked 1247, tombstoned 3, mismatches 1\n');
    expect(res.stdout).toContain(`${changed}: differs (name`);
    expect(res.stdout).toContain('"renamed since the sync"');
    const json = await cli(['sandbox', 'compare', loc(), '--json', '--admin-token', 'sandbox-admin']);
    expect(json.status).toBe(2);
    expect(JSON.parse(json.stdout).mismatches).toEqual([expect.stringMatching(new RegExp(`^${changed}: differs`))]);
  });

  it('fails with one error line when GHL_BASE_URL is not a sandbox, the location is unknown, or the admin token is wrong', async () => {
    const notSandbox: Server = createServer((_req, res) => res.writeHead(404).end('{"message":"Not Found"}'));
    await new Promise<void>((r) => notSandbox.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(notSandbox.address() as AddressInfo).port}`;
      const res = await cli(['sandbox', 'compare', loc()], { GHL_BASE_URL: url });
      expect(res.status).toBe(1);
      expect(res.stdout).toBe('');
      expect(res.stderr).toMatch(
        /^error \[not_a_sandbox\]: http:\/\/127\.0\.0\.1:\d+ has no sandbox export \(404 .*\n$/,
      );
    } finally {
      await new Promise((r) => notSandbox.close(r));
    }
    const unknown = await cli(['sandbox', 'compare', 'noSuchLocation000000']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(
      /^error \[location_not_found\]: the sandbox at .* has no location noSuchLocation000000\n$/,
    );
    const wrongToken = await cli(['sandbox', 'compare', loc(), '--admin-token', 'not-the-token']);
    expect(wrongToken.status).toBe(1);
    expect(wrongToken.stderr).toMatch(/^error \[not_a_sandbox\]: .* refused the sandbox admin token \(401\).*\n$/);
    expect(wrongToken.stderr).not.toContain('not-the-token');
  });
});

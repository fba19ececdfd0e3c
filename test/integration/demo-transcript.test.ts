import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '@ghl-sync/db';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '@ghl-sync/testing';
import { CLI_BIN } from '../support/test-stack.js';

interface Transcript {
  code: number | null;
  lines: string[];
  stderr: string;
}

// The demo tells its story in a few lines: one progress line per run and state (stdout is a pipe
// here, so milestones rather than a line rewritten in place), the summaries, the verification and
// what it left behind, in a database and a Redis prefix of its own.
describe('ghl-sync demo transcript', () => {
  let database: TestDatabase;
  let redis: TestRedis;
  let demoDatabase: string;
  let demoPrefix: string;
  const demo = (...args: string[]) =>
    new Promise<Transcript>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          CLI_BIN,
          'demo',
          '--opportunities',
          '250',
          '--small',
          '1',
          '--database',
          demoDatabase,
          '--queue-prefix',
          demoPrefix,
          ...args,
        ],
        {
          // The user's own configuration: the demo must leave both alone.
          env: {
            ...process.env,
            DATABASE_URL: database.url,
            REDIS_URL: redis.url,
            QUEUE_PREFIX: redis.prefix,
            LOG_FORMAT: 'json',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (code) => resolve({ code, lines: stdout.split('\n'), stderr }));
    });
  const demoDatabaseExists = async () =>
    (await database.db.query('SELECT 1 FROM pg_database WHERE datname = $1', [demoDatabase])).rowCount === 1;

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = await createTestRedis();
    demoDatabase = `${database.name}_demo`;
    demoPrefix = `${redis.prefix}-demo`;
  });
  afterAll(async () => {
    await demo('--clean');
    await database?.drop();
    await redis?.cleanup();
  });

  it('prints a few milestone lines per run, no worker chatter, and counts in the right number', async () => {
    const t = await demo();
    expect(t.stderr).toBe('');
    expect(t.code).toBe(0);
    const text = t.lines.join('\n');
    expect(text).toContain('demo OK: Postgres matches the sandbox exactly');
    expect(text).toContain('(1 opportunity)');
    expect(text).toMatch(/listed 1 on 1 page · inserted 1 ·/);
    expect(text).toContain(': 1 upstream opportunity checked, 0 tombstoned rows, 0 mismatches');
    // The live act: 20 changes reach Postgres by webhook, measured, with no run of their own.
    expect(text).toContain('== Live: 20 changes by webhook, no full sync ==');
    expect(text).toMatch(
      /: 20 changes made live \(5 created, 5 updated, 5 moved to another stage, 5 deleted\) → (\d+) webhooks$/m,
    );
    const emitted = Number(/→ (\d+) webhooks$/m.exec(text)![1]);
    expect(emitted).toBeGreaterThanOrEqual(20);
    expect(text).toMatch(
      new RegExp(
        `^ {2}${emitted} events applied in Postgres, no sync run: event-to-row p50 \\d+\\.\\d\\d s, max \\d+\\.\\d\\d s$`,
        'm',
      ),
    );
    expect(text).toMatch(/upstream opportunities checked after the webhooks, 0 mismatches$/m);
    for (const line of t.lines) {
      expect(line).not.toMatch(/no worker is connected|WORKER_METRICS_PORT|\[Page |\bclosed$/);
      expect(line).not.toMatch(/\b1 (opportunities|pages|runs|rows|mismatches)\b/);
    }
    // Four runs, each with at most one line per state it went through.
    const progress = t.lines.filter((l) => /^ {2}run \d+ · /.test(l));
    const runIds = new Set(progress.map((l) => /^ {2}run (\d+)/.exec(l)![1]));
    expect(runIds.size).toBe(4);
    for (const id of runIds) {
      const own = progress.filter((l) => l.startsWith(`  run ${id} · `));
      expect(new Set(own).size).toBe(own.length);
      expect(own.length).toBeLessThanOrEqual(5);
      expect(own.at(-1)).toMatch(/: completed$/);
    }
  });

  it('writes into its own database and prefix, says so, and --clean removes them', async () => {
    // The user's database (the by-hand path) holds nothing of the demo's.
    expect((await database.db.query('SELECT count(*)::int AS n FROM ghl.locations')).rows[0]).toEqual({ n: 0 });
    expect((await database.db.query('SELECT count(*)::int AS n FROM ghl.sync_runs')).rows[0]).toEqual({ n: 0 });
    expect(await redis.redis.keys(`${redis.prefix}:*`)).toEqual([]);
    const url = new URL(database.url);
    url.pathname = `/${demoDatabase}`;
    const own = createDb({ connectionString: url.toString(), max: 1 });
    try {
      expect((await own.query('SELECT count(*)::int AS n FROM ghl.locations')).rows[0]).toEqual({ n: 2 });
    } finally {
      await own.close();
    }
    expect((await redis.redis.keys(`${demoPrefix}:*`)).length).toBeGreaterThan(0);

    const again = await demo('--verbose');
    expect(again.code).toBe(0);
    const text = again.lines.join('\n');
    // --verbose brings back the workers' page lines; the story is the same.
    expect(text).toMatch(/\[worker-\d\] \[Page 1\/1\] 1 opportunity\. Inserted: 0, Updated: 0, Unchanged: 1$/m);
    expect(text).toMatch(/\[worker-\d\] closed workers$/m);
    expect(text).toContain('demo OK');
    expect(text).toContain(`Left for you to look at: database ${demoDatabase}`);
    expect(text).toContain(
      `remove it all with \`npx ghl-sync demo --clean --database ${demoDatabase} --queue-prefix ${demoPrefix}\``,
    );

    const clean = await demo('--clean');
    expect(clean.code).toBe(0);
    expect(clean.lines[0]).toMatch(
      new RegExp(`^removed database ${demoDatabase} on .* and [\\d,]+ Redis keys under the prefix ${demoPrefix}$`),
    );
    expect(await demoDatabaseExists()).toBe(false);
    expect(await redis.redis.keys(`${demoPrefix}:*`)).toEqual([]);
  });

  it('--clean refuses the configured database', async () => {
    const refused = await new Promise<Transcript>((resolve) => {
      const child = spawn(process.execPath, [CLI_BIN, 'demo', '--clean', '--database', database.name], {
        env: { ...process.env, DATABASE_URL: database.url, REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (code) => resolve({ code, lines: [], stderr }));
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('error [invalid_argument]: --clean removes only');
    expect((await database.db.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
  });
});

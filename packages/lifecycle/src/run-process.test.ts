import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../dist/index.js', import.meta.url));

/** Runs `script` (an ES module) in a child Node; resolves `started` once it has printed "starting". */
function spawnScript(script: string) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const started = (async () => {
    for (let i = 0; i < 400 && !out.includes('starting'); i++) await new Promise((r) => setTimeout(r, 50));
  })();
  return { child, exited, started, out: () => out };
}

describe('runProcess', () => {
  // A supervisor (or a test) may stop a process right after its start-up log line, before start()
  // has returned: that SIGTERM must end in the graceful shutdown, not Node's default kill.
  it('holds a SIGTERM that arrives during start-up and shuts down gracefully once started', async () => {
    const script = `
      const { runProcess } = await import(${JSON.stringify(entry)});
      const log = { info: (o, m) => console.log(m ?? ''), error: (o, m) => console.log(m ?? ''), fatal: (o, m) => console.log(m ?? '') };
      await runProcess({
        loadConfig: () => ({}),
        createLogger: () => log,
        graceMs: () => 5_000,
        parentCheckMs: () => 0,
        start: async ({ registry }) => {
          registry.register('work', () => console.log('work closer ran'));
          console.log('starting');
          // The start ends only when the test says so, after it has sent SIGTERM.
          await new Promise((resolve) => process.stdin.once('data', resolve));
          process.stdin.pause();
          // What a real process holds open (servers, connections) keeps it alive until shutdown.
          setInterval(() => undefined, 1_000);
          console.log('started');
        },
      });`;
    const { child, exited, started, out } = spawnScript(script);
    await started;
    expect(out()).toContain('starting');
    child.kill('SIGTERM');
    child.stdin!.end('go\n');
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(out().split('\n').filter(Boolean)).toEqual([
      'starting',
      'started',
      'shutting down',
      'work closer ran',
      'closed work',
    ]);
  });

  // A dependency that never answers (a Redis Cluster client retrying forever) must not make the
  // process deaf: a held signal gives the start a bounded wait, then the process exits 1.
  it('gives up a start that does not end after a SIGTERM: closes what it opened and exits 1', async () => {
    const script = `
      const { runProcess } = await import(${JSON.stringify(entry)});
      const log = { info: (o, m) => console.log(m ?? ''), error: (o, m) => console.log(m ?? ''), fatal: (o, m) => console.log(JSON.stringify({ code: o.code, msg: m })) };
      await runProcess({
        loadConfig: () => ({}),
        createLogger: () => log,
        graceMs: () => 5_000,
        parentCheckMs: () => 0,
        interruptedStartMs: 300,
        start: async ({ registry }) => {
          registry.register('work', () => console.log('work closer ran'));
          console.log('starting');
          setInterval(() => undefined, 1_000);
          await new Promise(() => undefined);
        },
      });`;
    const { child, exited, started, out } = spawnScript(script);
    await started;
    child.kill('SIGTERM');
    expect(await exited).toEqual({ code: 1, signal: null });
    const lines = out().split('\n').filter(Boolean);
    expect(lines).toContain('work closer ran');
    expect(JSON.parse(lines.find((l) => l.startsWith('{'))!)).toMatchObject({ code: 'start_interrupted' });
  });
});

import { describe, expect, it } from 'vitest';
import { createShutdownRegistry, installGracefulShutdown, registryOf } from '@ghl-sync/lifecycle';

const quiet = { info: () => undefined, error: () => undefined };

describe('installGracefulShutdown', () => {
  it('runs the closers once, in order, and exits 0 after a clean SIGTERM (#5)', async () => {
    const order: string[] = [];
    const codes: number[] = [];
    const registry = createShutdownRegistry();
    // Registered as opened; closed in reverse.
    for (const name of ['postgres', 'redis', 'queues', 'http']) registry.register(name, () => void order.push(name));
    const shutdown = installGracefulShutdown({
      registry,
      logger: quiet,
      exit: (code) => void codes.push(code),
    });
    await Promise.all([shutdown('SIGTERM'), shutdown('SIGINT')]);
    expect(order).toEqual(['http', 'queues', 'redis', 'postgres']);
    expect(codes).toEqual([0]);
  });

  it('keeps closing after a step fails, then exits 1', async () => {
    const order: string[] = [];
    const codes: number[] = [];
    const shutdown = installGracefulShutdown({
      registry: registryOf([
        {
          name: 'http',
          close: async () => {
            throw new Error('boom');
          },
        },
        { name: 'postgres', close: async () => void order.push('postgres') },
      ]),
      logger: quiet,
      exit: (code) => void codes.push(code),
    });
    await shutdown();
    expect(order).toEqual(['postgres']);
    expect(codes).toEqual([1]);
  });
});

describe('a worker started under a parent that exits', () => {
  it('shuts itself down gracefully when its parent process goes away', async () => {
    const { spawn } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const entry = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    // parent: a shell that starts a node child (the "worker") and is then killed, like npx on SIGTERM.
    const script = `import('${entry}').then(({ installGracefulShutdown, registryOf }) => {
      installGracefulShutdown({ registry: registryOf([{ name: 'work', close: async () => { console.log('closed'); } }]), parentCheckMs: 100, logger: { info() {}, error() {} }, exit: (c) => { console.log('exit ' + c); process.exit(c); } });
      console.log('ready'); setInterval(() => {}, 1000);
    });`;
    const parent = spawn('sh', ['-c', `node --input-type=module -e "${script.replaceAll('"', '\\"')}" & wait`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    parent.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    for (let i = 0; i < 100 && !out.includes('ready'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(out).toContain('ready');
    parent.kill('SIGKILL');
    for (let i = 0; i < 60 && !out.includes('exit'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(out).toContain('closed');
    expect(out).toContain('exit 0');
  });
});

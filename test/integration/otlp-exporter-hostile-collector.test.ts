import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHostileOtlpReceiver, type HostileOtlpReceiver } from '../support/hostile-otlp-receiver.js';

const ROOT = new URL('../..', import.meta.url).pathname;

// A process with tracing on (the built @ghl-sync/telemetry) that makes large export bodies: 300
// spans of 20 kB per round, so the body is still being written when the receiver's 404 and reset
// arrive (a loopback connection takes a body of a few hundred kB at once; the middlebox of the
// trial did not). It records an uncaught exception as exit code 70.
const CHILD = `
import { trace } from '@opentelemetry/api';
import { startTracing } from '@ghl-sync/telemetry';
process.on('uncaughtException', (err) => {
  console.error('uncaughtException', err.code, err.message);
  process.exit(70);
});
const tracing = startTracing({ endpoint: process.argv[1], serviceName: 'hostile-collector-test', exportDelayMs: 10 });
const tracer = trace.getTracer('hostile-collector-test');
const big = 'x'.repeat(20_000);
for (let round = 0; round < Number(process.argv[2]); round++) {
  for (let i = 0; i < 300; i++) tracer.startSpan('s', { attributes: { big } }).end();
  await new Promise((resolve) => setTimeout(resolve, 30));
}
await tracing.shutdown();
`;

describe('the OTLP exporter against a collector that answers 404 and resets before reading', () => {
  let receiver: HostileOtlpReceiver;
  beforeAll(async () => {
    receiver = await startHostileOtlpReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
  });

  it('drops the spans and keeps the process alive', async () => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, receiver.url, '40'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    // The exports did meet the receiver, many times over.
    expect(receiver.connections).toBeGreaterThanOrEqual(10);
  });
});

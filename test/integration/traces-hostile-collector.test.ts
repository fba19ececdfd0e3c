import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHostileOtlpReceiver, type HostileOtlpReceiver } from '../support/hostile-otlp-receiver.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

/** Resolves with the exit code of `child` once it has exited (SIGTERM sent now). */
const stopProcess = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });

// docs/observability.md: "a collector that is down costs the spans of that time and nothing else".
// A collector address answered at once by something that is not a collector (404 before the body
// is read, then the connection reset) once killed every traced worker with an uncaught EPIPE.
describe('tracing against a hostile collector', () => {
  let receiver: HostileOtlpReceiver;
  let stack: TestStack;
  let workers: ChildProcess[];

  beforeAll(async () => {
    receiver = await startHostileOtlpReceiver();
    stack = await startTestStack({
      sandbox: { seed: 16, locations: [{ opportunities: 1_200 }] },
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        // Export as often as the SDK allows, so that every job's spans meet the receiver.
        OTEL_BSP_SCHEDULE_DELAY: '20',
      },
    });
    workers = stack.spawnWorkers(2);
  });
  afterAll(async () => {
    for (const child of workers ?? []) await stopProcess(child);
    await stack?.stop();
    await receiver?.close();
  });

  it('costs the spans only: the run completes and both workers live on, then stop cleanly', async () => {
    const run = await stack.sync(stack.sandbox.locations[0]!.id);
    expect(run).toMatchObject({ status: 'completed', inserted: 1_200 });
    // The exporters did meet the receiver during the run.
    expect(receiver.connections).toBeGreaterThan(0);
    for (const worker of workers)
      expect({ exitCode: worker.exitCode, signal: worker.signalCode }).toEqual({ exitCode: null, signal: null });
    expect(stack.logs.join('')).not.toMatch(/uncaughtException/);
    // A graceful stop flushes the last spans into the same receiver and still exits 0.
    expect(await Promise.all(workers.map(stopProcess))).toEqual([0, 0]);
  }, 120_000);
});

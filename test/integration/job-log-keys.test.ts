import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { repeatedKeys, topLevelKeys } from '../support/json-keys.js';

// The worker binds a job's queue, name, id and run to its logger; the processors must not bind them
// again, or every line says `"runId":17,"runId":17`.
describe('job log lines', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ sandbox: { seed: 83, locations: [{ opportunities: 250 }] } });
    await stack.startWorkers(1);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('name each bound key once, on the coordinator, page and finalize jobs alike', async () => {
    const run = await stack.sync(stack.sandbox.locations[0]!.id);
    expect(run).toMatchObject({ status: 'completed', inserted: 250 });
    const jobLines = stack.logs
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.startsWith('{') && topLevelKeys(line).includes('jobId'));
    const queues = new Set(jobLines.map((line) => (JSON.parse(line) as { queue?: string }).queue));
    expect([...queues].sort()).toEqual(
      expect.arrayContaining(['coordinator', 'finalize', 'page'].map((q) => expect.stringContaining(q))),
    );
    for (const line of jobLines) {
      expect(repeatedKeys(line), line).toEqual([]);
      expect(JSON.parse(line)).toMatchObject({ runId: run.id });
    }
  });
});

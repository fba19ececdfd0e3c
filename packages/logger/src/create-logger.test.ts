import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '@ghl-sync/logger';

function capture(): { stream: Writable; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes JSON with bindings and redacts tokens at any of the first three levels', () => {
    const out = capture();
    const log = createLogger({ name: 'test', format: 'json', destination: out.stream });
    log.child({ runId: 7 }).info(
      {
        token: 'pit-secret-1',
        location: { accessToken: 'at-2', refresh_token: 'rt-3' },
        req: { headers: { authorization: 'Bearer x-4' } },
      },
      'hello',
    );
    const [line] = out.lines();
    expect(line).toMatchObject({ name: 'test', runId: 7, msg: 'hello', token: '[redacted]' });
    const text = JSON.stringify(line);
    for (const secret of ['pit-secret-1', 'at-2', 'rt-3', 'x-4']) expect(text).not.toContain(secret);
  });
});

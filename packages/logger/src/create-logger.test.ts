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

describe('the err serializer', () => {
  it('logs a raw AxiosError without the request headers, the socket or the answer, keeping its message and status', async () => {
    const { createServer } = await import('node:http');
    const { default: axios } = await import('axios');
    const server = createServer((_req, res) => {
      res.writeHead(500, { 'set-cookie': 'session=cookie-secret-5' });
      res.end('{"message":"boom"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const err = await axios
      .get(`http://127.0.0.1:${port}/opportunities/search`, {
        headers: { Authorization: 'Bearer pit-axios-secret-6' },
      })
      .catch((e: unknown) => e);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(axios.isAxiosError(err)).toBe(true);

    const out = capture();
    const log = createLogger({ name: 'test', format: 'json', destination: out.stream });
    log.error({ err }, 'request failed');
    // Wrapped as the cause of another error, as our named errors do.
    log.error({ err: new Error('wrapped', { cause: err }) }, 'wrapped failure');
    const [direct] = out.lines();
    const text = JSON.stringify(out.lines());
    for (const secret of ['pit-axios-secret-6', 'cookie-secret-5']) expect(text).not.toContain(secret);
    expect(direct!['err']).toMatchObject({ message: 'Request failed with status code 500', status: 500 });
    expect(direct!['err']).not.toHaveProperty('config');
  });
});

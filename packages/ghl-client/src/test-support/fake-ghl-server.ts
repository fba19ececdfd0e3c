// Test-only: a tiny scripted HTTP server standing in for GHL. Not part of the build.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the fake received. */
export interface FakeRequest {
  method: string;
  path: string;
  /** Query as ordered pairs (repeated names stay visible). */
  queryPairs: [string, string][];
  /** Query as an object (last value wins). */
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: string;
  /** performance.now() when the request was fully received. */
  receivedAt: number;
}

/** How the fake answers one request. */
export type FakeReply =
  | {
      status?: number;
      headers?: Record<string, string>;
      /** object → JSON; string → sent raw */ body?: unknown;
      delayMs?: number;
    }
  | { kind: 'hang' }
  | { kind: 'reset' };

/** Decides the reply to the `n`-th request (0-based). */
export type FakeHandler = (req: FakeRequest, n: number) => FakeReply | Promise<FakeReply>;

export interface FakeGhlServer {
  readonly baseUrl: string;
  readonly requests: FakeRequest[];
  /** Replaces the handler. */
  handle(handler: FakeHandler): void;
  /** Answers with these replies in order; the last one repeats. */
  script(...replies: FakeReply[]): void;
  close(): Promise<void>;
}

/** Starts the fake on an ephemeral loopback port. */
export async function startFakeGhlServer(): Promise<FakeGhlServer> {
  const requests: FakeRequest[] = [];
  const sockets = new Set<Socket>();
  let handler: FakeHandler = () => ({ status: 500, body: { statusCode: 500, message: 'no handler' } });

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const queryPairs = [...url.searchParams.entries()];
      const recorded: FakeRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        queryPairs,
        query: Object.fromEntries(queryPairs),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt: performance.now(),
      };
      const n = requests.length;
      requests.push(recorded);
      void Promise.resolve(handler(recorded, n)).then((reply) => send(req.socket, res, reply));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    handle(h) {
      handler = h;
    },
    script(...replies) {
      handler = (_req, n) => replies[Math.min(n, replies.length - 1)] ?? { status: 500 };
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(socket: Socket, res: ServerResponse, reply: FakeReply): void {
  if ('kind' in reply) {
    if (reply.kind === 'reset') socket.destroy();
    return; // 'hang': never answer
  }
  const write = (): void => {
    if (res.destroyed || socket.destroyed) return;
    const raw = typeof reply.body === 'string';
    const payload = reply.body === undefined ? '' : raw ? (reply.body as string) : JSON.stringify(reply.body);
    res.writeHead(reply.status ?? 200, {
      'content-type': raw ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8',
      ...reply.headers,
    });
    res.end(payload);
  };
  if (reply.delayMs !== undefined && reply.delayMs > 0) setTimeout(write, reply.delayMs);
  else write();
}

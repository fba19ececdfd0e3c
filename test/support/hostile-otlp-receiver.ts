import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A collector stand-in that answers every connection 404 before reading a byte, then drops it. */
export interface HostileOtlpReceiver {
  /** Base URL for `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  url: string;
  /** Connections accepted so far: each is an export that reached it. */
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * Starts the receiver on a free port of 127.0.0.1. It behaves like the middlebox that made traced
 * workers die in a trial (every TCP connection accepted and answered `404` at once): the response
 * goes out while the client is still writing its body, keep-alive and complete (content-length 0),
 * so the client's HTTP agent frees the socket; then the connection is destroyed with the body unread,
 * which resets it (ECONNRESET or EPIPE on the client's pending write).
 * @param dropAfterMs - delay between the 404 and the reset. @defaultValue 5
 */
export async function startHostileOtlpReceiver(dropAfterMs = 5): Promise<HostileOtlpReceiver> {
  let connections = 0;
  const open = new Set<Socket>();
  const server: Server = createServer({ pauseOnConnect: true }, (socket) => {
    connections += 1;
    open.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => open.delete(socket));
    socket.write('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
    setTimeout(() => socket.destroy(), dropAfterMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}

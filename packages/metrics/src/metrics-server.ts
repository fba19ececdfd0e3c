import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

/** Probes served next to `/metrics`, for an orchestrator (Kubernetes liveness and readiness). */
export interface MetricsServerProbes {
  /**
   * Backs `GET /ready`: resolves the names of the dependencies that did not answer (empty = ready).
   * Without it `/ready` answers like `/health`.
   */
  ready?: () => Promise<string[]>;
  /**
   * Called with an `error` event of the listening server (an `accept` that failed: EMFILE...),
   * which would otherwise crash the process. @defaultValue ignored
   */
  onError?: (err: Error) => void;
  /** When set, `GET /metrics` needs `Authorization: Bearer <metricsToken>` (`METRICS_TOKEN`). */
  metricsToken?: string;
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Serves a worker process's `GET /metrics` on a port of its own (`WORKER_METRICS_PORT`; 0 picks a
 * free port, useful when several workers share a host), with `GET /health` (the process answers;
 * no dependency is touched, so an outage does not get workers restarted) and `GET /ready` (200
 * `{"status":"ready"}`, or 503 `{"status":"not_ready","failed":[...]}` naming dependencies only).
 * It listens on `host` (`WORKER_METRICS_HOST`, 127.0.0.1 unless a container needs every interface).
 * @returns the server and its bound port.
 */
export async function startMetricsServer(
  registry: Registry,
  port: number,
  host = '127.0.0.1',
  probes: MetricsServerProbes = {},
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const expected = probes.metricsToken ? digest(probes.metricsToken) : undefined;
  const server = createServer((req, res) => {
    const path = req.url?.split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      if (expected) {
        const header = req.headers.authorization ?? '';
        const presented = header.toLowerCase().startsWith('bearer ') ? header.slice(7).trim() : '';
        // Both sides hashed: the comparison takes the same time whatever the presented length.
        if (!timingSafeEqual(digest(presented), expected)) {
          res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="metrics"' });
          res.end('send Authorization: Bearer <METRICS_TOKEN>');
          return;
        }
      }
      registry.metrics().then(
        (body) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(body);
        },
        () => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end('metrics collection failed; see the worker log');
        },
      );
      return;
    }
    if (req.method === 'GET' && path === '/health') return json(res, 200, { status: 'ok' });
    if (req.method === 'GET' && path === '/ready') {
      (probes.ready ?? (async () => []))().then(
        (failed) =>
          failed.length === 0 ? json(res, 200, { status: 'ready' }) : json(res, 503, { status: 'not_ready', failed }),
        () => json(res, 503, { status: 'not_ready', failed: ['readiness probe'] }),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found: try /metrics, /health or /ready');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => probes.onError?.(err));
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

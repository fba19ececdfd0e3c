import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { diag } from '@opentelemetry/api';

/** Adds to `agent` an 'error' listener on every socket it opens, for the socket's whole life. */
function guardSockets<A extends HttpAgent>(agent: A): A {
  const open = agent.createConnection.bind(agent);
  agent.createConnection = (options, callback) => {
    const socket = open(options, callback);
    socket?.on('error', (err: NodeJS.ErrnoException) => {
      diag.debug(`OTLP exporter socket error: ${err.code ?? err.message}`);
    });
    return socket;
  };
  return agent;
}

/** TLS material of an `https://` collector, PEM. */
export interface ExporterTls {
  /** CA(s) trusted for the collector, instead of Node's default CAs. */
  ca?: Buffer;
  /** Client certificate chain (mTLS). */
  cert?: Buffer;
  /** Private key of `cert`. */
  key?: Buffer;
}

/**
 * The HTTP agent of the OTLP exporter (its `httpAgentOptions` factory): keep-alive like the
 * exporter's default agent, but every socket it opens keeps an 'error' listener for its whole life.
 *
 * Why: Node's keep-alive HTTP client (20.x) leaves a socket with no 'error' listener between the end
 * of a response and its agent taking the socket back (the TODOs in `responseKeepAlive` of
 * lib/_http_client.js and in the agent's 'free' handler of lib/_http_agent.js). An address that
 * answers `404` before reading the request body and then resets the connection, as some middleboxes
 * do, lands the failure of the body's still-running write in that gap: `write EPIPE` (or
 * `ECONNRESET`) on a bare socket, an uncaughtException, and a dead worker. While a request owns the
 * socket, the socket's errors still reach that request, so the exporter still reports the failed
 * export and drops its spans; this listener only catches what would otherwise escape, and only on the
 * exporter's own connections (debug-level OpenTelemetry diag, `OTEL_LOG_LEVEL=debug`).
 * @param protocol - the collector URL's protocol, `http:` or `https:`.
 * @param tls - for `https:` only; the exporter's own TLS variables are not read once an agent is given.
 */
export function otlpExporterAgent(protocol: string, tls: ExporterTls = {}): HttpAgent {
  return protocol === 'https:'
    ? guardSockets(new HttpsAgent({ keepAlive: true, ...tls }))
    : guardSockets(new HttpAgent({ keepAlive: true }));
}

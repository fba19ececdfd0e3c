import { readFileSync } from 'node:fs';
import type { Config } from '@ghl-sync/config';
import { parseOtlpHeaders } from './parse-otlp-headers.js';
import { startTracing, type Tracing } from './start-tracing.js';

const read = (path: string | undefined) => (path === undefined ? undefined : readFileSync(path));

/**
 * Starts this process's tracing when `OTEL_EXPORTER_OTLP_ENDPOINT` is set; tracing is off otherwise.
 * Call it before anything that makes spans opens (a worker's first job, the API's first request),
 * and shut it down last, so the spans of the final jobs are exported.
 * @param serviceName - used when `OTEL_SERVICE_NAME` is unset, e.g. `ghl-sync-worker`.
 * @returns the started tracing, or undefined when it is off.
 * @throws the file system's error (ENOENT, EACCES) when a TLS file it names cannot be read.
 */
export function tracingFromConfig(
  config: Pick<
    Config,
    | 'OTEL_EXPORTER_OTLP_ENDPOINT'
    | 'OTEL_EXPORTER_OTLP_PROTOCOL'
    | 'OTEL_EXPORTER_OTLP_HEADERS'
    | 'OTEL_SERVICE_NAME'
    | 'OTEL_TRACES_SAMPLER_ARG'
    | 'OTEL_EXPORTER_OTLP_CERTIFICATE'
    | 'OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE'
    | 'OTEL_EXPORTER_OTLP_CLIENT_KEY'
  >,
  serviceName: string,
): Tracing | undefined {
  if (!config.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  return startTracing({
    endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    protocol: config.OTEL_EXPORTER_OTLP_PROTOCOL,
    headers: parseOtlpHeaders(config.OTEL_EXPORTER_OTLP_HEADERS),
    serviceName: config.OTEL_SERVICE_NAME ?? serviceName,
    sampleRatio: config.OTEL_TRACES_SAMPLER_ARG,
    tls: {
      ca: read(config.OTEL_EXPORTER_OTLP_CERTIFICATE),
      cert: read(config.OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE),
      key: read(config.OTEL_EXPORTER_OTLP_CLIENT_KEY),
    },
  });
}

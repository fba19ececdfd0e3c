import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { otlpExporterAgent, type ExporterTls } from './exporter-agent.js';

/** Options for {@link startTracing}. */
export interface TracingOptions {
  /** Collector base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`); spans are posted to `<endpoint>/v1/traces`. */
  endpoint: string;
  /** OTLP/HTTP encoding. @defaultValue 'http/protobuf' */
  protocol?: 'http/protobuf' | 'http/json';
  /** Headers of every export (`OTEL_EXPORTER_OTLP_HEADERS` parsed; may hold a vendor key). */
  headers?: Record<string, string>;
  /** `service.name` of every span, e.g. `ghl-sync-worker`. */
  serviceName: string;
  /** Share of traces kept, 0–1; a child follows its parent's decision. @defaultValue 1 */
  sampleRatio?: number;
  /** TLS material of an `https://` collector (CA, client certificate and key, PEM). @defaultValue none: the system's CAs */
  tls?: ExporterTls;
  /** Delay between two exports of the batch processor, in ms. @defaultValue `OTEL_BSP_SCHEDULE_DELAY`, else 5_000 (the SDK's) */
  exportDelayMs?: number;
}

/** A process's tracing, started. */
export interface Tracing {
  /**
   * Ends the tracer provider after exporting every span still buffered; idempotent. A final export
   * that fails (collector down, or an address that is no collector) loses those spans, as a failed
   * export does while running, and does not reject: a process's shutdown must not fail for it.
   * @returns undefined when everything was exported, else the export's error, for the caller to log.
   */
  shutdown(): Promise<Error | undefined>;
}

/**
 * Registers the global OpenTelemetry tracer provider (OpenTelemetry SDK for Node) with one OTLP/HTTP
 * exporter and W3C trace-context propagation. Every span in ghl-sync is made explicitly through
 * `@opentelemetry/api` (BullMQ's telemetry, the GHL client, the db package, the API's Fastify
 * plugin), and the API's tracers delegate to whatever provider is registered when a span starts:
 * no module needs patching at load, so this only has to run before the first job or request.
 * Metrics stay on Prometheus and logs on pino: the SDK's metric and log pipelines are left off.
 */
export function startTracing(options: TracingOptions): Tracing {
  const url = `${options.endpoint.replace(/\/+$/, '')}/v1/traces`;
  const httpAgentOptions = (protocol: string) => otlpExporterAgent(protocol, options.tls);
  const exporter: SpanExporter =
    options.protocol === 'http/json'
      ? new OtlpJsonExporter({ url, headers: options.headers, httpAgentOptions })
      : new OtlpProtobufExporter({ url, headers: options.headers, httpAgentOptions });
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampleRatio ?? 1) }),
    // Without an explicit delay the processor reads the standard OTEL_BSP_* variables itself.
    spanProcessors: [
      new BatchSpanProcessor(
        exporter,
        options.exportDelayMs === undefined ? {} : { scheduledDelayMillis: options.exportDelayMs },
      ),
    ],
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  let stopped: Promise<Error | undefined> | undefined;
  return {
    shutdown: () =>
      (stopped ??= sdk.shutdown().then(
        () => undefined,
        (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
      )),
  };
}

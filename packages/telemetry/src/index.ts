export { startTracing, type Tracing, type TracingOptions } from './start-tracing.js';
export { tracingFromConfig } from './tracing-from-config.js';
export { parseOtlpHeaders } from './parse-otlp-headers.js';

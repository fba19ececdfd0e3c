import type { Telemetry } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';

/**
 * BullMQ's OpenTelemetry integration (bullmq-otel), for the `telemetry` option of
 * {@link createQueues} and {@link createWorkers}. A job added while a span is active carries that
 * span's context in its options, and the worker that processes it opens its `process` span under
 * it: the coordinator's page jobs and the finalize flow stay in the coordinator's trace, across
 * processes. Its spans go to the globally registered tracer provider (none: they are dropped).
 */
export function createQueueTelemetry(): Telemetry {
  return new BullMQOtel({ tracerName: 'ghl-sync-queues' });
}

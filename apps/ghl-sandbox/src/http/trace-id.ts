import { randomUUID } from 'node:crypto';

/** Adds the top-level `traceId` every GHL body carries (ghl-api.md §0 [C S7, O S21]). */
export function withTraceId<T extends object>(body: T): T & { traceId: string } {
  return { ...body, traceId: randomUUID() };
}

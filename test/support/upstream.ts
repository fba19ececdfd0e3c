import { waitFor } from './wait-for.js';
import type { Sandbox } from '@ghl-sync/ghl-sandbox';

/** Upstream records of a location in search order (newest first), as the sandbox holds them now. */
export async function upstreamRecords(
  sandbox: Sandbox,
  locationId: string,
): Promise<Array<Record<string, unknown> & { id: string }>> {
  const out: Array<Record<string, unknown> & { id: string }> = [];
  for await (const r of sandbox.admin.exportOpportunities(locationId))
    out.push(r as Record<string, unknown> & { id: string });
  return out;
}

/** Polls `check` until it returns true (or throws after `timeoutMs`). */
export async function until(check: () => Promise<boolean>, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  await waitFor(what, check, timeoutMs);
}

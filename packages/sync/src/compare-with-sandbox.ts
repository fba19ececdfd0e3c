import { countMirroredOpportunities, getMirroredOpportunities, type Queryable } from '@ghl-sync/db';
import { normalizeOpportunity } from './normalize-opportunity.js';

/** The part of the sandbox admin this needs: its own, authoritative view of a location. */
export interface UpstreamExport {
  admin: { exportOpportunities(locationId: string): AsyncIterable<Record<string, unknown>> };
}

/** Result of {@link compareWithSandbox}. */
export interface CompareResult {
  /** Upstream opportunities checked. */
  checked: number;
  /** Live rows in Postgres that upstream no longer has (should be 0) are mismatches; tombstones counted here. */
  tombstoned: number;
  mismatches: string[];
}

/**
 * Compares a location in Postgres with the sandbox's own data: every upstream id present and live
 * with the same name, stage, status and amount; every other row of the location tombstoned.
 * Streams upstream in pages of 1,000 so memory stays flat.
 */
export async function compareWithSandbox(
  db: Queryable,
  sandbox: UpstreamExport,
  locationId: string,
): Promise<CompareResult> {
  const mismatches: string[] = [];
  let checked = 0;
  let batch: Array<Record<string, unknown>> = [];
  const flush = async () => {
    const ids = batch.map((o) => String(o['id']));
    const rows = await getMirroredOpportunities(db, locationId, ids);
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const o of batch) {
      const expected = normalizeOpportunity(o).row!;
      const got = byId.get(expected.id);
      if (!got) mismatches.push(`${expected.id}: missing in Postgres`);
      else if (got.deletedAt) mismatches.push(`${expected.id}: tombstoned but still upstream`);
      else if (
        got.name !== expected.name ||
        got.pipelineStageId !== expected.pipelineStageId ||
        got.status !== expected.status ||
        !sameAmount(got.monetaryValue, expected.monetaryValue)
      ) {
        mismatches.push(
          `${expected.id}: differs (name ${JSON.stringify(got.name)} vs ${JSON.stringify(expected.name)}, stage ${got.pipelineStageId} vs ${expected.pipelineStageId}, amount ${got.monetaryValue} vs ${expected.monetaryValue})`,
        );
      }
    }
    checked += batch.length;
    batch = [];
  };
  for await (const o of sandbox.admin.exportOpportunities(locationId)) {
    batch.push(o);
    if (batch.length >= 1_000) await flush();
  }
  if (batch.length) await flush();
  const { live, tombstoned } = await countMirroredOpportunities(db, locationId);
  if (live !== checked) mismatches.push(`Postgres has ${live} live rows for ${locationId}, upstream has ${checked}`);
  return { checked, tombstoned, mismatches };
}

// NUMERIC keeps the scale it was given ("1500.50"); compare decimals without trailing zeros.
function canonicalDecimal(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

function sameAmount(a: string | null, b: string | null): boolean {
  return a === null || b === null ? a === b : canonicalDecimal(a) === canonicalDecimal(b);
}

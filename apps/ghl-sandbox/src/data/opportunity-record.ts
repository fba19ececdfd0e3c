/**
 * An opportunity as the search endpoint returns it: a plain JSON object. Kept loose on purpose —
 * injected records (`pageRecords` knob) may hold anything, and the real API sends undocumented
 * fields (ghl-api.md §1.4), so consumers must not rely on a closed shape.
 */
export type OpportunityRecord = Record<string, unknown>;

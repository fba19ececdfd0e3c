/** The columns the seed script wrote, in `ghl.opportunities` order after `id, location_id`. */
export type SeedRow = [
  string,
  string | null,
  unknown,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  string,
  string,
];

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/**
 * The seed script's own field mapping: a straight copy of the fields it knew, the record itself as
 * `raw`. Kept here (not ghl-sync's normaliser) so the baseline process loads nothing of ghl-sync.
 * @returns the row values after `id, location_id`, or null without an id.
 */
export function mapSeedRecord(o: Record<string, unknown>): { id: string; values: SeedRow } | null {
  const id = str(o['id']);
  if (!id) return null;
  const contact = (o['contact'] ?? {}) as Record<string, unknown>;
  return {
    id,
    values: [
      id,
      str(o['name']),
      typeof o['monetaryValue'] === 'number' ? o['monetaryValue'] : null,
      str(o['status']),
      str(o['pipelineId']),
      str(o['pipelineStageId']),
      str(o['contactId']) ?? str(contact['id']),
      str(o['assignedTo']),
      str(o['source']),
      str(o['lostReasonId']),
      str(o['createdAt']),
      str(o['updatedAt']),
      str(o['lastStatusChangeAt']),
      str(o['lastStageChangeAt']),
      JSON.stringify(o['customFields'] ?? null),
      JSON.stringify(o).replace(/\\u0000/g, ''),
    ],
  };
}

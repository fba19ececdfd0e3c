import type { OpportunityRecord } from './opportunity-record.js';

/** A change of a location's truth, as {@link LocationStore} reports it to its listener. */
export type StoreChange =
  | { kind: 'create'; after: OpportunityRecord }
  | { kind: 'update'; before: OpportunityRecord; after: OpportunityRecord }
  | { kind: 'delete'; before: OpportunityRecord };

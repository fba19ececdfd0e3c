import type { OpportunityRecord } from './opportunity-record.js';

/**
 * Changes on top of the generated base records, small by design: created records by id, merged
 * patches and deletions by base index. A location keeps two of these — the truth and what the
 * (possibly lagging) search index has seen.
 */
export class OverlayState {
  /** Records created through the admin surface, by id. */
  readonly created = new Map<string, OpportunityRecord>();
  /** Accumulated partial patches of base records, by base index. */
  readonly patches = new Map<number, OpportunityRecord>();
  /** Deleted base record indices. */
  readonly deleted = new Set<number>();
  /** Bumped on every change; caches key on it. */
  version = 0;

  /** Applies one resolved change. */
  apply(op: OverlayOp): void {
    switch (op.kind) {
      case 'set-created':
        this.created.set(op.record['id'] as string, op.record);
        break;
      case 'delete-created':
        this.created.delete(op.id);
        break;
      case 'patch-base':
        this.patches.set(op.index, op.patch);
        break;
      case 'delete-base':
        this.deleted.add(op.index);
        this.patches.delete(op.index);
        break;
    }
    this.version += 1;
  }
}

/**
 * A change already resolved against the truth (patches are the full accumulated patch), so
 * replaying the same ops in order on the lagging index state reproduces the truth.
 */
export type OverlayOp =
  | { kind: 'set-created'; record: OpportunityRecord }
  | { kind: 'delete-created'; id: string }
  | { kind: 'patch-base'; index: number; patch: OpportunityRecord }
  | { kind: 'delete-base'; index: number };

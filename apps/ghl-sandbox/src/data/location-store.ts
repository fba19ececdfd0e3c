import { defaultKnobs, type SandboxKnobs } from '../knobs.js';
import { generateOpportunity } from './generate-opportunity.js';
import type { LocationProfile } from './location-profile.js';
import { decodeOpportunityId } from './opportunity-id.js';
import type { OpportunityRecord } from './opportunity-record.js';
import { OverlayState, type OverlayOp } from './overlay-state.js';
import { hash32, Prng } from './prng.js';
import { RecordView, type ViewEntry } from './record-view.js';
import type { StoreChange } from './store-change.js';

/** Counts asked of {@link LocationStore.mutate}. */
export interface MutateRequest {
  /** Records to create. @defaultValue 0 */
  create?: number;
  /** Existing records to patch (status/stage/value/name; `updatedAt` bumped). @defaultValue 0 */
  update?: number;
  /** Existing records to delete (disjoint from the updated ones). @defaultValue 0 */
  delete?: number;
  /** Seed for the choices; omitted → derived from the location and a per-location call counter. */
  seed?: number;
}

/** Ids touched by {@link LocationStore.mutate}. */
export interface MutateResult {
  created: string[];
  updated: string[];
  deleted: string[];
}

/** Fields a patch may not change: identity and the keyset (createdAt is immutable in GHL too). */
const IMMUTABLE_FIELDS = ['id', 'locationId', 'createdAt', 'sort'];
const STATUSES = ['open', 'won', 'lost', 'abandoned'];

type Target = { kind: 'base'; index: number } | { kind: 'created'; id: string };

/**
 * All opportunities of one location: generated base records plus small overlays for changes.
 * Writes land in the truth immediately and reach the search index after `indexLagMs`.
 */
export class LocationStore {
  /** Current knobs (mutable; replaced wholesale by the admin layer). */
  knobs: SandboxKnobs = defaultKnobs();
  /** Told of every create, update and delete of the truth, after it happened (the webhook emitter). */
  onChange: ((change: StoreChange) => void) | undefined;
  private readonly truth = new OverlayState();
  private readonly index = new OverlayState();
  private readonly pending: Array<{ at: number; op: OverlayOp }> = [];
  private createdSeq = 0;
  private mutateSeq = 0;
  /** Sorted extras per state, rebuilt only when that state, the id mode or pageRecords change. */
  private readonly extrasCache = new Map<
    OverlayState,
    { version: number; mode: string; injected: readonly OpportunityRecord[]; entries: ViewEntry[] }
  >();

  constructor(readonly profile: LocationProfile) {}

  /** The view search answers from (lagging by `indexLagMs`). */
  searchView(nowMs: number): RecordView {
    this.flush(nowMs);
    return this.viewOf(this.index);
  }

  /** The view of the truth (export, admin reads). */
  truthView(): RecordView {
    return this.viewOf(this.truth);
  }

  private viewOf(state: OverlayState): RecordView {
    const { pageRecords, cursorIdMode } = this.knobs;
    let cached = this.extrasCache.get(state);
    if (
      cached === undefined ||
      cached.version !== state.version ||
      cached.mode !== cursorIdMode ||
      cached.injected !== pageRecords
    ) {
      cached = {
        version: state.version,
        mode: cursorIdMode,
        injected: pageRecords,
        entries: RecordView.buildExtras(state, pageRecords, cursorIdMode),
      };
      this.extrasCache.set(state, cached);
    }
    return new RecordView(this.profile, state, cached.entries, cursorIdMode);
  }

  /** Version of the search index state, for caches. */
  get indexVersion(): number {
    return this.index.version;
  }

  private flush(nowMs: number): void {
    let applied = 0;
    while (applied < this.pending.length) {
      const next = this.pending[applied] as { at: number; op: OverlayOp };
      if (next.at + this.knobs.indexLagMs > nowMs) break;
      this.index.apply(next.op);
      applied += 1;
    }
    if (applied > 0) this.pending.splice(0, applied);
  }

  private record(op: OverlayOp, nowMs: number): void {
    this.truth.apply(op);
    this.pending.push({ at: nowMs, op });
    this.flush(nowMs);
  }

  private resolve(id: string): Target | undefined {
    if (this.truth.created.has(id)) return { kind: 'created', id };
    const index = decodeOpportunityId(this.profile.salt, id, this.profile.count);
    if (index === undefined || this.truth.deleted.has(index)) return undefined;
    return { kind: 'base', index };
  }

  private read(target: Target): OpportunityRecord {
    if (target.kind === 'created') return this.truth.created.get(target.id) as OpportunityRecord;
    const base = generateOpportunity(this.profile, target.index);
    const patch = this.truth.patches.get(target.index);
    return patch === undefined ? base : { ...base, ...patch };
  }

  /** The current (true) state of a record, or undefined. Injected `pageRecords` are not included. */
  get(id: string): OpportunityRecord | undefined {
    const target = this.resolve(id);
    return target === undefined ? undefined : this.read(target);
  }

  /**
   * Creates a record: generated content, `createdAt`/`updatedAt` = `nowMs`, overridden by `input`
   * (which may set `createdAt` to place it anywhere in the order, or its own unused `id`).
   */
  create(input: OpportunityRecord, nowMs: number): OpportunityRecord {
    const virtualIndex = this.profile.count + this.createdSeq;
    this.createdSeq += 1;
    const generated = generateOpportunity(this.profile, virtualIndex);
    const now = new Date(nowMs).toISOString();
    const record: OpportunityRecord = {
      ...generated,
      lastStatusChangeAt: now,
      lastStageChangeAt: now,
      createdAt: now,
      updatedAt: now,
      ...input,
      locationId: this.profile.locationId,
    };
    delete record['sort'];
    if (typeof record['id'] !== 'string' || record['id'] === '' || this.resolve(record['id']) !== undefined)
      record['id'] = generated['id'];
    if ('lastActionDate' in record && !('lastActionDate' in input)) record['lastActionDate'] = now;
    this.record({ kind: 'set-created', record }, nowMs);
    this.onChange?.({ kind: 'create', after: record });
    return record;
  }

  /**
   * Applies a partial patch (shallow merge). `updatedAt` becomes now unless the patch sets it; a
   * status/stage change also moves `lastStatusChangeAt`/`lastStageChangeAt`. Returns the new
   * state, or undefined when the id is unknown or deleted.
   */
  update(id: string, patch: OpportunityRecord, nowMs: number): OpportunityRecord | undefined {
    const target = this.resolve(id);
    if (target === undefined) return undefined;
    const current = this.read(target);
    const now = new Date(nowMs).toISOString();
    const clean: OpportunityRecord = { updatedAt: now };
    if (patch['status'] !== undefined && patch['status'] !== current['status']) clean['lastStatusChangeAt'] = now;
    if (patch['pipelineStageId'] !== undefined && patch['pipelineStageId'] !== current['pipelineStageId']) {
      clean['lastStageChangeAt'] = now;
      if (patch['pipelineStageUId'] === undefined) clean['pipelineStageUId'] = patch['pipelineStageId'];
    }
    for (const [key, value] of Object.entries(patch)) if (!IMMUTABLE_FIELDS.includes(key)) clean[key] = value;
    const after = { ...current, ...clean };
    if (target.kind === 'created') {
      this.record({ kind: 'set-created', record: after }, nowMs);
    } else {
      const merged = { ...(this.truth.patches.get(target.index) ?? {}), ...clean };
      this.record({ kind: 'patch-base', index: target.index, patch: merged }, nowMs);
    }
    this.onChange?.({ kind: 'update', before: current, after });
    return after;
  }

  /** Deletes a record; false when unknown or already deleted. */
  delete(id: string, nowMs: number): boolean {
    const target = this.resolve(id);
    if (target === undefined) return false;
    const before = this.onChange === undefined ? undefined : this.read(target);
    this.record(
      target.kind === 'created' ? { kind: 'delete-created', id } : { kind: 'delete-base', index: target.index },
      nowMs,
    );
    if (before !== undefined) this.onChange?.({ kind: 'delete', before });
    return true;
  }

  /** Picks up to `n` distinct live records at random, excluding `taken`. */
  private sample(prng: Prng, n: number, taken: Set<string>): string[] {
    const createdIds = [...this.truth.created.keys()];
    const space = this.profile.count + createdIds.length;
    const out: string[] = [];
    for (let attempts = 0; out.length < n && attempts < n * 50 + 100; attempts += 1) {
      const r = prng.int(0, space - 1);
      const id =
        r < this.profile.count
          ? this.truth.deleted.has(r)
            ? undefined
            : generateOpportunity(this.profile, r)['id']
          : createdIds[r - this.profile.count];
      if (typeof id === 'string' && !taken.has(id)) {
        taken.add(id);
        out.push(id);
      }
    }
    return out;
  }

  /** Deterministic random creates/updates/deletes (the demo's "activity"). */
  mutate(request: MutateRequest, nowMs: number): MutateResult {
    const seed = request.seed ?? 0xa11 + this.mutateSeq;
    this.mutateSeq += 1;
    const prng = new Prng(hash32(this.profile.salt, seed, 0x3a7));
    const taken = new Set<string>();
    const toUpdate = this.sample(prng, request.update ?? 0, taken);
    const toDelete = this.sample(prng, request.delete ?? 0, taken);
    const updated: string[] = [];
    for (const id of toUpdate) {
      const current = this.get(id);
      if (current === undefined) continue;
      const patch: OpportunityRecord = {};
      const pipeline = this.profile.pipelines.find((p) => p.id === current['pipelineId']) ?? this.profile.pipelines[0];
      switch (prng.int(0, 3)) {
        case 0:
          patch['status'] = prng.pick(STATUSES.filter((s) => s !== current['status']));
          break;
        case 1:
          if (pipeline) patch['pipelineStageId'] = prng.pick(pipeline.stages).id;
          break;
        case 2:
          patch['monetaryValue'] = prng.int(0, 50_000) + prng.int(0, 99) / 100;
          break;
        default:
          patch['name'] = `${String(current['name'])} (updated)`;
      }
      if (this.update(id, patch, nowMs)) updated.push(id);
    }
    const deleted = toDelete.filter((id) => this.delete(id, nowMs));
    const created: string[] = [];
    const count = request.create ?? 0;
    for (let j = 0; j < count; j += 1) {
      // Distinct milliseconds, the last one created being the newest.
      created.push(this.create({ createdAt: new Date(nowMs - (count - 1 - j)).toISOString() }, nowMs)['id'] as string);
    }
    return { created, updated, deleted };
  }
}

import { ALNUM, hash32, hashString, Prng } from './prng.js';

/** A pipeline stage as `GET /opportunities/pipelines` returns it (ghl-api.md §2.2, observed shape). */
export interface PipelineStage {
  id: string;
  name: string;
  /** 0-based position within the pipeline. */
  position: number;
  showInFunnel: boolean;
  showInPieChart: boolean;
}

/** A pipeline as `GET /opportunities/pipelines` returns it (ghl-api.md §2.2). */
export interface Pipeline {
  id: string;
  name: string;
  stages: PipelineStage[];
  showInFunnel: boolean;
  showInPieChart: boolean;
  dateAdded: string;
  dateUpdated: string;
}

/**
 * The fixed per-location vocabulary records draw from: pipelines, users, lost reasons, custom
 * field ids. Derived from (seed, location id) only, so it is identical across runs.
 */
export interface LocationProfile {
  locationId: string;
  /** Numeric salt mixed into every per-record hash of this location. */
  salt: number;
  /** Number of generated (base) records, fixed at creation. */
  count: number;
  pipelines: Pipeline[];
  /** User ids for `assignedTo` / `followers`. */
  users: string[];
  lostReasonIds: string[];
  customFieldIds: string[];
}

const PIPELINE_NAMES = ['Sales Pipeline', 'Onboarding', 'Renewals ♻️', 'Partnerships', 'Enterprise Deals'];
const STAGE_NAMES = [
  'New Lead',
  'Contacted',
  'Qualified',
  'Proposal Sent',
  'Negotiation',
  'Verbal Yes',
  'Closed',
  'Follow-up',
  'Demo Booked',
];

/** Builds the profile of a location. */
export function createLocationProfile(seed: number, locationId: string, count: number): LocationProfile {
  const salt = hash32(seed, hashString(locationId));
  const prng = new Prng(hash32(salt, 0x5eed));
  const pipelines: Pipeline[] = [];
  const pipelineCount = prng.int(3, 4);
  for (let p = 0; p < pipelineCount; p += 1) {
    const stageCount = prng.int(4, 7);
    const stages: PipelineStage[] = [];
    for (let s = 0; s < stageCount; s += 1) {
      stages.push({
        id: prng.uuid(),
        name: STAGE_NAMES[(s + p) % STAGE_NAMES.length] ?? 'Stage',
        position: s,
        showInFunnel: true,
        showInPieChart: prng.chance(0.8),
      });
    }
    const added = Date.UTC(2023, 0, 1) + prng.int(0, 300) * 86_400_000 + prng.int(0, 86_399_999);
    pipelines.push({
      id: prng.chars(20, ALNUM),
      name: PIPELINE_NAMES[p] ?? `Pipeline ${p + 1}`,
      stages,
      showInFunnel: true,
      showInPieChart: p !== 2,
      dateAdded: new Date(added).toISOString(),
      dateUpdated: new Date(added + prng.int(0, 400) * 86_400_000).toISOString(),
    });
  }
  const users = Array.from({ length: prng.int(5, 9) }, () => prng.chars(20, ALNUM));
  const lostReasonIds = Array.from({ length: 4 }, () => prng.chars(20, ALNUM));
  const customFieldIds = Array.from({ length: 6 }, () => prng.chars(20, ALNUM));
  return { locationId, salt, count, pipelines, users, lostReasonIds, customFieldIds };
}

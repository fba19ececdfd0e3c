import type { LocationProfile } from './location-profile.js';
import type { OpportunityRecord } from './opportunity-record.js';
import { encodeOpportunityId } from './opportunity-id.js';
import { ALNUM, hash32, Prng } from './prng.js';
import { createdAtMsOf } from './timeline.js';

/**
 * The fields search filters and cursor keys need, cheap to compute for one record (no strings
 * beyond ids), so filtered scans over 500k records stay in the hundreds of milliseconds.
 */
export interface OpportunityCore {
  id: string;
  contactId: string;
  createdAtMs: number;
  status: string;
  pipelineId: string;
  pipelineStageId: string;
  /** Absent when unassigned (ghl-api.md §1.4: "may be empty/absent"). */
  assignedTo: string | undefined;
}

const FIRST_NAMES = [
  'Ana',
  'José',
  'Zoë',
  'Łukasz',
  'Mei',
  'Olu',
  'Søren',
  'Priya',
  'Chloé',
  'Mateo',
  'Aiyana',
  'Björn',
  'Fatima',
  'Kenji',
  'Noah',
  'Émile',
];
/** ASCII e-mail local parts of FIRST_NAMES, computed once (normalising per record is slow at 500k). */
const EMAIL_NAMES = new Map(
  FIRST_NAMES.map((n) => [
    n,
    n
      .replace('Ł', 'L')
      .replace('ø', 'o')
      .normalize('NFD')
      .replace(/[^\x20-\x7e]/g, '')
      .toLowerCase(),
  ]),
);
const LAST_NAMES = [
  'García',
  'Müller',
  'Nguyễn',
  "O'Brien",
  'Kowalski',
  'Okafor',
  'Andersson',
  'Patel',
  'Dubois',
  'Rossi',
  'Smith',
  '山田',
  'Ivanova',
  'Lee',
];
const DEAL_WORDS = [
  'Website redesign',
  'Annual plan',
  'Consulting',
  'Kitchen remodel',
  'Roof repair',
  'SEO package',
  'Wedding 💍',
  'Solar install ☀️',
  'Enterprise seats',
  'Dental implants',
  'Café fit-out',
  '北京 项目',
  'Renewal 🚀',
  'Upsell',
];
const COMPANIES = [
  'Acme Inc',
  'Globex',
  'Initech',
  'Umbrella Corp',
  'Stark Industries',
  'Société Générale',
  'Wayne Enterprises',
  'Hooli',
];
const SOURCES = ['Website', 'Facebook Ads', 'Referral', 'CRM UI', 'Google Ads', 'Zapier', ''];
const TAGS = ['lead', 'vip', 'newsletter', 'cold', 'hot', 'webinar', 'partner'];
const STATUSES = ['open', 'open', 'open', 'open', 'open', 'open', 'won', 'won', 'lost', 'lost', 'abandoned'];

/** Cheap fields of generated record `index` (0 = newest). */
export function generateCore(profile: LocationProfile, index: number): OpportunityCore {
  const prng = new Prng(hash32(profile.salt, index, 0xc0));
  const contactId = prng.chars(20, ALNUM);
  const status = prng.pick(STATUSES);
  const pipeline = prng.pick(profile.pipelines);
  const stage = prng.pick(pipeline.stages);
  const assignedTo = prng.chance(0.1) ? undefined : prng.pick(profile.users);
  return {
    id: encodeOpportunityId(profile.salt, index),
    contactId,
    createdAtMs: createdAtMsOf(profile.salt, index, profile.count),
    status,
    pipelineId: pipeline.id,
    pipelineStageId: stage.id,
    assignedTo,
  };
}

function monetaryValue(prng: Prng): number | null {
  const roll = prng.next();
  if (roll < 0.1) return 0;
  if (roll < 0.13) return null; // null is reported for real records (ghl-api.md §1.4 [H])
  if (roll < 0.43) return prng.int(1, 99_999) + prng.int(1, 99) / 100;
  if (roll < 0.48) return prng.int(1_000_000, 250_000_000) + (prng.chance(0.5) ? 0.5 : 0);
  return prng.int(1, 500) * 100;
}

function customFields(prng: Prng, fieldIds: readonly string[]): unknown[] {
  const roll = prng.next();
  if (roll < 0.4) return [];
  const count = prng.int(1, 3);
  const out: unknown[] = [];
  for (let f = 0; f < count; f += 1) {
    const id = fieldIds[(f * 2 + prng.int(0, 1)) % fieldIds.length];
    // All documented read variants (ghl-api.md §1.6): string / object / string[] / object[] under
    // `fieldValue`, plus the reported `{fieldValueString, type}` shape.
    switch (prng.int(0, 4)) {
      case 0:
        out.push({ id, fieldValue: prng.pick(['Gold', 'Net 30', 'Référence #42', '']) });
        break;
      case 1:
        out.push({ id, fieldValue: { street: '1 Main St', city: 'Zürich', zip: String(prng.int(1000, 9999)) } });
        break;
      case 2:
        out.push({ id, fieldValue: [prng.pick(TAGS), prng.pick(TAGS)] });
        break;
      case 3:
        out.push({
          id,
          fieldValue: [
            { url: `https://files.example.com/${prng.chars(8, ALNUM)}.pdf`, meta: { size: prng.int(1, 99_999) } },
          ],
        });
        break;
      default:
        out.push({ id, fieldValueString: String(prng.int(1, 1000)), type: 'TEXT' });
    }
  }
  return out;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Builds the full record from its core, deterministically. Field set and order follow the
 * captured real search response (ghl-api.md §1.4, §1.5); `sort` is added when serving because
 * its id part depends on the `cursorIdMode` knob.
 */
export function generateOpportunity(
  profile: LocationProfile,
  index: number,
  core: OpportunityCore = generateCore(profile, index),
): OpportunityRecord {
  const prng = new Prng(hash32(profile.salt, index, 0xf1));
  const first = prng.pick(FIRST_NAMES);
  const last = prng.pick(LAST_NAMES);
  const contactName = `${first} ${last}`;
  const name = prng.chance(0.6) ? `${contactName} – ${prng.pick(DEAL_WORDS)}` : prng.pick(DEAL_WORDS);
  const companyName = prng.chance(0.35) ? null : prng.pick(COMPANIES);
  const email = `${EMAIL_NAMES.get(first) ?? 'contact'}.${prng.int(1, 9999)}@example.com`;
  const phone = prng.chance(0.1) ? null : `+1${prng.int(200, 999)}555${String(prng.int(0, 9999)).padStart(4, '0')}`;
  const tags = prng.chance(0.5) ? [] : [prng.pick(TAGS)];
  const created = core.createdAtMs;
  const stageChange = created + prng.int(0, 30 * 86_400_000);
  const statusChange =
    core.status === 'open' ? created + prng.int(0, 1000) : stageChange + prng.int(0, 20 * 86_400_000);
  const updated = Math.max(stageChange, statusChange) + prng.int(0, 5 * 86_400_000);
  const record: OpportunityRecord = {
    id: core.id,
    name,
    monetaryValue: monetaryValue(prng),
    pipelineId: core.pipelineId,
    pipelineStageId: core.pipelineStageId,
    pipelineStageUId: core.pipelineStageId,
    ...(core.assignedTo === undefined ? {} : { assignedTo: core.assignedTo }),
    status: core.status,
    source: prng.chance(0.3) ? null : prng.pick(SOURCES),
    lastStatusChangeAt: iso(statusChange),
    lastStageChangeAt: iso(stageChange),
    ...(prng.chance(0.4) ? {} : { lastActionDate: iso(updated - prng.int(0, 86_400_000)) }),
    createdAt: iso(created),
    updatedAt: iso(updated),
    contactId: core.contactId,
    locationId: profile.locationId,
    contact: { id: core.contactId, name: contactName, companyName, email, phone, tags, score: [] },
    lostReasonId: core.status === 'lost' && prng.chance(0.7) ? prng.pick(profile.lostReasonIds) : null,
    customFields: customFields(prng, profile.customFieldIds),
    followers: Array.from({ length: prng.int(0, 2) }, () => prng.pick(profile.users)),
    indexVersion: prng.int(1, 5),
    relations: [
      {
        associationId: 'OPPORTUNITIES_CONTACTS_ASSOCIATION',
        relationId: core.contactId,
        primary: true,
        objectKey: 'contact',
        recordId: core.contactId,
        fullName: contactName,
        contactName,
        companyName,
        email,
        phone,
        tags,
        attributed: null,
      },
    ],
    attributions: prng.chance(0.2)
      ? []
      : [
          {
            utmSessionSource: prng.pick(['CRM UI', 'Direct traffic', 'Paid Search']),
            isFirst: true,
            medium: prng.pick(['manual', 'form', 'calendar']),
          },
        ],
  };
  return record;
}

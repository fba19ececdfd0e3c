import { defaultKnobs, type SandboxKnobs } from '../knobs.js';
import { SandboxAdminError } from '../sandbox-state.js';

type Check = (value: unknown) => boolean;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isFraction: Check = (v) => isNum(v) && v >= 0 && v <= 1;
const isNonNeg: Check = (v) => isNum(v) && v >= 0;
const isStatus: Check = (v) => Number.isInteger(v) && (v as number) >= 100 && (v as number) <= 599;
const optNonNeg = (v: unknown): boolean => v === undefined || isNonNeg(v);

const CHECKS: { [K in keyof SandboxKnobs]: Check } = {
  latencyMs: (v) => v === null || (isObj(v) && isNonNeg(v['medianMs']) && isNonNeg(v['jitterMs'])),
  failureRate: isFraction,
  hangRate: isFraction,
  hangMs: isNonNeg,
  failPages: (v) =>
    Array.isArray(v) &&
    v.every((p) => isObj(p) && Number.isInteger(p['pageIndex']) && isStatus(p['status']) && optNonNeg(p['times'])),
  forceStatus: (v) =>
    v === null || (isObj(v) && isStatus(v['status']) && Number.isInteger(v['count']) && optNonNeg(v['retryAfterSec'])),
  totalMode: (v) => v === 'exact' || v === 'inflated' || isNonNeg(v),
  stallCursorAfterPage: (v) => v === null || (Number.isInteger(v) && (v as number) >= 0),
  cursorIdMode: (v) => v === 'opportunity' || v === 'contact',
  endSentinel: (v) => v === 'null' || v === 'empty' || v === 'absent',
  indexLagMs: isNonNeg,
  updateOnPage: (v) =>
    v === null ||
    (isObj(v) &&
      Number.isInteger(v['pageIndex']) &&
      (v['pageIndex'] as number) >= 0 &&
      typeof v['id'] === 'string' &&
      isObj(v['patch'])),
  deleteOnPage: (v) =>
    v === null ||
    (isObj(v) &&
      Number.isInteger(v['pageIndex']) &&
      (v['pageIndex'] as number) >= 0 &&
      typeof v['id'] === 'string' &&
      (v['filtered'] === undefined || typeof v['filtered'] === 'boolean')),
  malformed: (v) =>
    v === null ||
    (isObj(v) &&
      ['invalid_json', 'html', 'missing_meta', 'missing_id'].includes(v['mode'] as string) &&
      (v['pageIndex'] === undefined || Number.isInteger(v['pageIndex'])) &&
      optNonNeg(v['times'])),
  sendRetryAfter: (v) => typeof v === 'boolean',
  oauthLocationInactive: (v) => typeof v === 'boolean',
  oauthRefreshDrop: (v) => Number.isInteger(v) && (v as number) >= 0,
  oauthRefreshDelayMs: isNonNeg,
  oauthRefreshNoExpiresIn: (v) => Number.isInteger(v) && (v as number) >= 0,
  oauthReconnectDelayMs: isNonNeg,
  oauthReconnectRefused: (v) => typeof v === 'boolean',
  locationTokenTtlSec: (v) => v === null || (isNum(v) && v > 0),
  pageRecords: (v) => Array.isArray(v) && v.every(isObj),
  notFoundStatus: (v) => v === 400 || v === 404,
};

/**
 * Merges a partial knob set into `current` (top-level keys replace), validating each value.
 * Unknown keys and bad values throw a 400 {@link SandboxAdminError} naming the knob.
 */
export function mergeKnobs(current: SandboxKnobs, patch: unknown): SandboxKnobs {
  if (!isObj(patch)) throw new SandboxAdminError(400, 'knobs must be a JSON object');
  const next = { ...current } as Record<string, unknown>;
  const known = defaultKnobs();
  for (const [key, value] of Object.entries(patch)) {
    if (!(key in known)) throw new SandboxAdminError(400, `unknown knob ${key}`);
    const check = CHECKS[key as keyof SandboxKnobs];
    if (!check(value)) throw new SandboxAdminError(400, `invalid value for knob ${key}`);
    // Copy so later admin edits of the caller's object do not change the live knobs silently.
    next[key] = structuredClone(value);
  }
  return next as unknown as SandboxKnobs;
}

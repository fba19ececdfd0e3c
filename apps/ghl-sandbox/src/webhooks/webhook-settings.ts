import { SandboxAdminError } from '../sandbox-state.js';

/**
 * Where and how the sandbox delivers its webhooks, as a marketplace app's webhook URL and GHL's
 * delivery behave (ghl-api.md §6). One setting for the whole sandbox, as an app has one URL for
 * every location it is installed on. Everything off by default: no URL, no deliveries.
 */
export interface WebhookSettings {
  /** Receiver URL every event is POSTed to. `null` = webhooks off. @defaultValue null */
  url: string | null;
  /** Locations whose changes are sent. `null` = every location. @defaultValue null */
  locationIds: string[] | null;
  /** Fraction (0..1) of events never sent (lost on the way: the receiver never sees them). @defaultValue 0 */
  lossRate: number;
  /** Fraction (0..1) of events sent twice, same `webhookId` and body, the copy after the first attempt. @defaultValue 0 */
  duplicateRate: number;
  /** Fraction (0..1) of events held back `outOfOrderHoldMs` so later events overtake them. @defaultValue 0 */
  outOfOrderRate: number;
  /** How long an out-of-order event is held, in ms. @defaultValue 1_000 */
  outOfOrderHoldMs: number;
  /** Delay from a change to the first attempt, in ms, plus uniform 0..`delayJitterMs`. @defaultValue 0 */
  delayMs: number;
  /** Uniform extra delay on top of `delayMs`, in ms. @defaultValue 0 */
  delayJitterMs: number;
  /**
   * Multiplies GHL's own intervals: the ~10 min between retries after a 429 (ghl-api.md §6.3).
   * 1 = real time; 0.001 turns 10 min into 600 ms. @defaultValue 1
   */
  timeScale: number;
  /** An attempt not answered within this many ms fails for good (GHL does not retry timeouts; the length is our inference). @defaultValue 10_000 */
  timeoutMs: number;
  /** Also sign with the legacy RSA `x-wh-signature` (GHL sends both headers during the transition). @defaultValue true */
  legacySignature: boolean;
  /** Attempts in flight at once; more wait their turn. @defaultValue 64 */
  maxConcurrent: number;
}

/** A fresh copy of the all-off webhook settings. */
export function defaultWebhookSettings(): WebhookSettings {
  return {
    url: null,
    locationIds: null,
    lossRate: 0,
    duplicateRate: 0,
    outOfOrderRate: 0,
    outOfOrderHoldMs: 1_000,
    delayMs: 0,
    delayJitterMs: 0,
    timeScale: 1,
    timeoutMs: 10_000,
    legacySignature: true,
    maxConcurrent: 64,
  };
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isFraction = (v: unknown): boolean => isNum(v) && v >= 0 && v <= 1;
const isNonNeg = (v: unknown): boolean => isNum(v) && v >= 0;
const isHttpUrl = (v: unknown): boolean => {
  if (typeof v !== 'string') return false;
  try {
    const { protocol } = new URL(v);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
};

const CHECKS: { [K in keyof WebhookSettings]: (v: unknown) => boolean } = {
  url: (v) => v === null || isHttpUrl(v),
  locationIds: (v) => v === null || (Array.isArray(v) && v.every((id) => typeof id === 'string' && id !== '')),
  lossRate: isFraction,
  duplicateRate: isFraction,
  outOfOrderRate: isFraction,
  outOfOrderHoldMs: isNonNeg,
  delayMs: isNonNeg,
  delayJitterMs: isNonNeg,
  timeScale: (v) => isNum(v) && v > 0,
  timeoutMs: (v) => isNum(v) && v > 0,
  legacySignature: (v) => typeof v === 'boolean',
  maxConcurrent: (v) => Number.isInteger(v) && (v as number) >= 1,
};

/**
 * Merges a partial settings object into `current` (top-level keys replace), validating each value.
 * Unknown keys and bad values throw a 400 {@link SandboxAdminError} naming the setting.
 */
export function mergeWebhookSettings(current: WebhookSettings, patch: unknown): WebhookSettings {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
    throw new SandboxAdminError(400, 'webhook settings must be a JSON object');
  const next = { ...current } as Record<string, unknown>;
  for (const [key, value] of Object.entries(patch)) {
    const check = CHECKS[key as keyof WebhookSettings] as ((v: unknown) => boolean) | undefined;
    if (check === undefined) throw new SandboxAdminError(400, `unknown webhook setting ${key}`);
    if (!check(value)) throw new SandboxAdminError(400, `invalid value for webhook setting ${key}`);
    next[key] = structuredClone(value);
  }
  return next as unknown as WebhookSettings;
}

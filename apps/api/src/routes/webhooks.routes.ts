import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { agencyExists, deleteWebhookEvent, storeWebhookEvent, webhookEventIsNew, type Db } from '@ghl-sync/db';
import type { ErrorCode } from '@ghl-sync/errors';
import type { Queues } from '@ghl-sync/queues';
import { uninstallAgency, uninstallLocation } from '@ghl-sync/sync/installs';
import {
  GHL_WEBHOOK_RSA_PUBLIC_KEY_PEM,
  appWebhookEventSchema,
  isAppWebhookType,
  isOpportunityWebhookType,
  type AppWebhookEvent,
  opportunityWebhookEventSchema,
  verifyWebhookSignature,
  type WebhookKeys,
} from '@ghl-sync/webhooks';
import { PUBLIC_ROUTE } from '../auth/route-access.js';
import { errorResponse } from '../http/error-response.js';

/** Path GHL delivers webhooks to (set it as the app's webhook URL, docs/webhooks.md). */
export const WEBHOOK_PATH = '/webhooks/ghl';

/** The intake's settings (from config: GHL_WEBHOOK_*, WEBHOOK_*). */
export interface WebhookIntakeSettings {
  /** Verification keys and whether the legacy RSA header is accepted. */
  keys: WebhookKeys;
  /** Events whose `timestamp` is older than this, or this far in the future, are refused, in seconds (WEBHOOK_MAX_AGE_S). */
  maxAgeS: number;
  /** Largest body accepted, in bytes; larger → 413 (WEBHOOK_BODY_LIMIT_BYTES). */
  bodyLimitBytes: number;
  /** How long a record job waits for more events of its opportunity, in ms (WEBHOOK_DEBOUNCE_MS). */
  debounceMs: number;
  /**
   * Longest time storing and enqueueing may take before the delivery is answered 429, in ms: a
   * Redis or Postgres that hangs must not hold GHL's request. @defaultValue 5_000
   */
  takeTimeoutMs?: number;
}

/**
 * The settings with the config's defaults filled in: GHL's published RSA key, legacy signatures
 * accepted, 70 min maximum age, 256 KiB bodies, 500 ms debounce.
 */
export function webhookIntakeSettings(partial: Partial<WebhookIntakeSettings> = {}): WebhookIntakeSettings {
  return {
    keys: partial.keys ?? { rsaPublicKeyPem: GHL_WEBHOOK_RSA_PUBLIC_KEY_PEM, acceptLegacy: true },
    maxAgeS: partial.maxAgeS ?? 4_200,
    bodyLimitBytes: partial.bodyLimitBytes ?? 256 * 1024,
    debounceMs: partial.debounceMs ?? 500,
    ...(partial.takeTimeoutMs !== undefined && { takeTimeoutMs: partial.takeTimeoutMs }),
  };
}

/** Options for {@link registerWebhookRoutes}. */
export interface WebhookRoutesOptions extends WebhookIntakeSettings {
  db: Db;
  queues: Queues;
  /** Counts every delivery by type and outcome (see `ghl_sync_webhook_events_total`). */
  onEvent?: (type: string, outcome: string) => void;
  /**
   * The marketplace app's id (GHL_OAUTH_APP_ID): INSTALL / UNINSTALL events naming another app are
   * ignored. @defaultValue any app
   */
  appId?: string | undefined;
}

/** Why a delivery was refused: the stable code logged, answered and counted. */
type Refusal = {
  status: 400 | 401 | 413 | 429;
  code: ErrorCode;
  outcome: string;
  message: string;
};

/** The answer to a delivery taken (200): what ghl-sync did with it. */
type Taken =
  'accepted' | 'duplicate' | 'ignored_unknown_location' | 'ignored_type' | 'app_event' | 'ignored_unknown_agency';

const METRIC_OUTCOME: Record<Taken, string> = {
  accepted: 'accepted',
  duplicate: 'duplicate',
  ignored_unknown_location: 'unknown_location',
  ignored_type: 'ignored_type',
  app_event: 'app_event',
  ignored_unknown_agency: 'unknown_agency',
};

/**
 * `POST /webhooks/ghl`: GHL's signed webhook deliveries (ghl-api.md §6). No admin credential: the
 * signature is the authentication, checked over the raw body bytes before anything parses them
 * (a route-scoped parser keeps the body as a Buffer). Then, in order:
 * - 401 `webhook_signature_missing` / `webhook_signature_invalid` / `webhook_legacy_signature_refused`;
 * - 413 `webhook_body_too_large` over `bodyLimitBytes`; 400 `webhook_invalid_body` when the body is
 *   not a JSON object with a `type` and a `webhookId` (or an opportunity event lacks `locationId`/`id`);
 * - 401 `webhook_stale` when `timestamp` is more than `maxAgeS` old or in the future (none: taken);
 * - 200 `duplicate` for a `webhookId` stored before (nothing done);
 * - otherwise the event is stored and then (opportunity events of registered locations) its record
 *   job enqueued, both before the answer: 200 `accepted`, `ignored_unknown_location` or `ignored_type`.
 * - the app's own `INSTALL` under a registered agency enqueues that agency's reconcile (which
 *   registers the new location and syncs it), `UNINSTALL` uninstalls the location (or every location
 *   of the agency): no schedule, no request, rows kept. 200 `app_event`, or `ignored_unknown_agency`
 *   / `ignored_unknown_location` when ghl-sync has nothing to act on.
 * When Postgres or Redis cannot take it the answer is 429 `webhook_unavailable`, the one status GHL
 * retries (ghl-api.md §6.3). Refusals are logged with their code and counted, never with the body.
 */
export function registerWebhookRoutes(app: FastifyInstance, options: WebhookRoutesOptions): void {
  const count = (type: string, outcome: string) => options.onEvent?.(type, outcome);

  void app.register(async (scope) => {
    // The signature covers the exact bytes: no parser of this scope may touch them.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.bodyLimitBytes }, (_req, body, done) =>
      done(null, body),
    );
    scope.setErrorHandler((err: FastifyError, request, reply) => {
      const tooLarge = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || err.statusCode === 413;
      const refusal: Refusal = tooLarge
        ? {
            status: 413,
            code: 'webhook_body_too_large',
            outcome: 'too_large',
            message: `body over ${options.bodyLimitBytes} bytes`,
          }
        : { status: 400, code: 'webhook_invalid_body', outcome: 'invalid_body', message: 'unreadable body' };
      return refuse(request, reply, 'other', refusal);
    });

    scope.post(WEBHOOK_PATH, { config: PUBLIC_ROUTE, bodyLimit: options.bodyLimitBytes }, async (request, reply) => {
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const check = verifyWebhookSignature(raw, request.headers, options.keys);
      if (!check.ok) {
        const legacy = check.code === 'legacy_signature_refused';
        return refuse(request, reply, 'other', {
          status: 401,
          code: `webhook_${check.code}`,
          outcome: legacy ? 'legacy_refused' : 'bad_signature',
          message: legacy
            ? 'only the legacy x-wh-signature was sent and GHL_WEBHOOK_ACCEPT_LEGACY_SIGNATURE is false'
            : check.code === 'signature_missing'
              ? 'no x-ghl-signature or x-wh-signature header'
              : 'the signature does not match the body',
        });
      }

      const parsed = parseDelivery(raw);
      if ('refusal' in parsed) return refuse(request, reply, parsed.type, parsed.refusal);
      const { event, type } = parsed;
      // A timestamp as far in the future is as suspect as an old one (a body signed ahead to be
      // replayed later). No timestamp at all is taken: GHL documents it in examples only (ghl-api.md
      // §6.1), and a replay of such a body is a duplicate, or else only costs a re-read.
      if (event.eventAt && Math.abs(Date.now() - event.eventAt.getTime()) > options.maxAgeS * 1000)
        return refuse(request, reply, type, {
          status: 401,
          code: 'webhook_stale',
          outcome: 'stale',
          message: `timestamp more than ${options.maxAgeS} s ${event.eventAt.getTime() > Date.now() ? 'in the future' : 'old'}`,
        });

      let taken: Taken;
      try {
        const timeoutMs = options.takeTimeoutMs ?? 5_000;
        taken = await withTimeout(take(event, check.scheme, Date.now() + timeoutMs), timeoutMs);
      } catch (err) {
        request.log.warn(
          { code: 'webhook_unavailable', webhookId: event.webhookId, err: { message: (err as Error).message } },
          'webhook refused with 429: Postgres or Redis could not take it (GHL retries a 429)',
        );
        count(type, 'unavailable');
        reply.header('Retry-After', '60');
        return errorResponse(reply, 429, 'webhook_unavailable', 'Could not store the event now; retry later');
      }
      count(type, METRIC_OUTCOME[taken]);
      // Installs and uninstalls are rare and change what is synced: each one gets a line.
      if (taken === 'app_event')
        request.log.info(
          { webhookId: event.webhookId, type: event.type, outcome: taken },
          event.type === 'INSTALL'
            ? 'app installed: agency reconcile enqueued'
            : 'app uninstalled: location(s) stopped',
        );
      else if (taken !== 'accepted')
        request.log.info(
          { webhookId: event.webhookId, type: event.type, outcome: taken },
          'webhook taken, not applied',
        );
      return reply.code(200).send({ status: taken });
    });
  });

  /**
   * Store, then enqueue. A record job covers the events stored before it started (it marks those
   * received up to its start), so an event must be committed before its enqueue can be coalesced
   * into a pending job: enqueued first, it could be folded into a job that started (and finished)
   * before the event was stored, and would never be applied. When the enqueue fails the stored
   * event is removed again, so that GHL's retry of the 429 finds the `webhookId` new; an enqueue
   * still hanging at `deadline` (epoch ms) counts as failed (should it land later, its job only costs
   * a re-read). Should the removal fail too, the retry (a duplicate of an event still unapplied)
   * enqueues the job instead.
   */
  async function take(event: Delivery, scheme: 'ed25519' | 'rsa', deadline: number): Promise<Taken> {
    if (event.app) {
      const known = await webhookEventIsNew(options.db, event.webhookId, event.locationId);
      if (!known.isNew) return 'duplicate';
      // Acted upon before it is stored: both are idempotent, so a retry after a failed store repeats them harmlessly.
      const outcome = await applyAppEvent(event.app, known.locationRegistered);
      const stored = await storeWebhookEvent(options.db, {
        webhookId: event.webhookId,
        type: event.type,
        locationId: event.locationId,
        opportunityId: null,
        eventAt: event.eventAt,
        signatureScheme: scheme,
        applicable: false,
        payload: event.payload,
        outcome,
      });
      return stored ? stored.outcome : 'duplicate';
    }
    const applicable = event.opportunityId !== null && event.locationId !== null;
    const enqueue = () =>
      options.queues.enqueueRecord(
        { locationId: event.locationId!, opportunityId: event.opportunityId!, type: event.type, source: 'webhook' },
        { delayMs: options.debounceMs },
      );
    // Stored straight away (one round trip for a new event): the unique webhook_id decides duplicates.
    const stored = await storeWebhookEvent(options.db, {
      webhookId: event.webhookId,
      type: event.type,
      locationId: event.locationId,
      opportunityId: event.opportunityId,
      eventAt: event.eventAt,
      signatureScheme: scheme,
      applicable,
      payload: event.payload,
    });
    if (!stored) {
      const known = await webhookEventIsNew(options.db, event.webhookId, event.locationId);
      if (known.unapplied && applicable && known.locationRegistered) await enqueue();
      return 'duplicate';
    }
    if (stored.outcome === 'accepted') {
      try {
        await withTimeout(enqueue(), Math.max(0, deadline - Date.now()));
      } catch (err) {
        await deleteWebhookEvent(options.db, stored.id).catch(() => undefined);
        throw err;
      }
    }
    return stored.outcome;
  }

  /**
   * Acts on INSTALL / UNINSTALL before the event is stored (both are idempotent, so GHL's retry of a
   * 429 repeats them harmlessly).
   */
  async function applyAppEvent(
    app: AppWebhookEvent,
    locationRegistered: boolean,
  ): Promise<'app_event' | 'ignored_type' | 'ignored_unknown_agency' | 'ignored_unknown_location'> {
    if (options.appId !== undefined && app.appId !== undefined && app.appId !== options.appId) return 'ignored_type';
    if (app.type === 'INSTALL') {
      // The event carries no token: the agency's Company token mints one, in the reconcile job.
      if (!app.companyId || !(await agencyExists(options.db, app.companyId))) return 'ignored_unknown_agency';
      await options.queues.enqueueAgencyReconcile(app.companyId);
      return 'app_event';
    }
    const reason = 'the app was uninstalled (UNINSTALL webhook)';
    if (app.locationId !== undefined) {
      if (!locationRegistered) return 'ignored_unknown_location';
      await uninstallLocation(options, app.locationId, reason);
      return 'app_event';
    }
    if (!(await agencyExists(options.db, app.companyId!))) return 'ignored_unknown_agency';
    await uninstallAgency(options, app.companyId!, reason);
    return 'app_event';
  }

  function refuse(request: FastifyRequest, reply: FastifyReply, type: string, refusal: Refusal) {
    request.log.warn({ code: refusal.code, status: refusal.status }, `webhook refused: ${refusal.message}`);
    count(type, refusal.outcome);
    return errorResponse(reply, refusal.status, refusal.code, refusal.message);
  }
}

/** Rejects when `promise` has not settled within `ms` (the work itself goes on; see `take`). */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not done within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What the intake keeps of a delivery. */
interface Delivery {
  webhookId: string;
  type: string;
  locationId: string | null;
  opportunityId: string | null;
  eventAt: Date | null;
  payload: Record<string, unknown>;
  /** The app's INSTALL / UNINSTALL event, parsed. */
  app?: AppWebhookEvent;
}

/** The metric label of a type: the opportunity and app types by name, anything else `other` (bounded labels). */
function typeLabel(type: unknown): string {
  return isOpportunityWebhookType(type) || isAppWebhookType(type) ? type : 'other';
}

function parseDelivery(raw: Buffer): { event: Delivery; type: string } | { refusal: Refusal; type: string } {
  const invalid = (message: string, type = 'other') => ({
    type,
    refusal: { status: 400 as const, code: 'webhook_invalid_body' as const, outcome: 'invalid_body', message },
  });
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    return invalid('body is not JSON');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return invalid('body is not a JSON object');
  const payload = body as Record<string, unknown>;
  const type = payload['type'];
  if (typeof type !== 'string' || type.trim() === '') return invalid('body has no `type`');
  const label = typeLabel(type);
  const webhookId = payload['webhookId'];
  if (typeof webhookId !== 'string' || webhookId.trim() === '') return invalid('body has no `webhookId`', label);
  const timestamp = payload['timestamp'];
  let eventAt: Date | null = null;
  if (timestamp !== undefined && timestamp !== null) {
    eventAt = typeof timestamp === 'string' || typeof timestamp === 'number' ? new Date(timestamp) : null;
    if (!eventAt || Number.isNaN(eventAt.getTime())) return invalid('`timestamp` is not a time', label);
  }
  let locationId = typeof payload['locationId'] === 'string' ? payload['locationId'] : null;
  let opportunityId: string | null = null;
  if (isOpportunityWebhookType(type)) {
    const event = opportunityWebhookEventSchema.safeParse(payload);
    if (!event.success) return invalid(`${type} without a usable \`locationId\` and \`id\``, label);
    locationId = event.data.locationId;
    opportunityId = event.data.id;
  }
  if (isAppWebhookType(type)) {
    const app = appWebhookEventSchema.safeParse(payload);
    if (!app.success) return invalid(`${type} without a \`locationId\` or \`companyId\``, label);
    return {
      type: label,
      event: {
        webhookId,
        type,
        locationId: app.data.locationId ?? null,
        opportunityId,
        eventAt,
        payload,
        app: app.data,
      },
    };
  }
  return { type: label, event: { webhookId, type, locationId, opportunityId, eventAt, payload } };
}

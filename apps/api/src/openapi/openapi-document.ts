/**
 * The OpenAPI 3.1 description of the admin API, written by hand next to the routes it describes.
 * A test holds it against the routes fastify really registered, both ways.
 */
import { RUN_MODES, RUN_STATUSES } from '@ghl-sync/db';

const json = (schema: object) => ({ 'application/json': { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errorReply = (description: string) => ({ description, content: json(ref('Error')) });
const unauthorized = { 401: errorReply('No admin credential, or the wrong one (`unauthorized`).') };
const bearer = [{ bearerAuth: [] }];
const runIdParam = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'Run id.',
  schema: { type: 'integer', minimum: 1 },
};

const runSchema = {
  type: 'object',
  description: 'A row of ghl.sync_runs with its counters.',
  required: ['id', 'locationId', 'trigger', 'mode', 'status', 'startedAt'],
  properties: {
    id: { type: 'integer' },
    locationId: { type: 'string' },
    trigger: { type: 'string' },
    mode: { enum: [...RUN_MODES] },
    status: { enum: [...RUN_STATUSES] },
    allowMassDelete: { type: 'boolean' },
    startedAt: { type: 'string', format: 'date-time' },
    listingFinishedAt: { type: ['string', 'null'], format: 'date-time' },
    finishedAt: { type: ['string', 'null'], format: 'date-time' },
    deadlineAt: { type: ['string', 'null'], format: 'date-time' },
    listed: { type: 'integer' },
    reportedTotal: { type: ['integer', 'null'] },
    pages: { type: 'integer' },
    inserted: { type: 'integer' },
    updated: { type: 'integer' },
    unchanged: { type: 'integer' },
    deleted: { type: 'integer' },
    duplicates: { type: 'integer' },
    recordErrors: { type: 'integer' },
    failedPages: { type: 'integer' },
    apiCalls: { type: 'integer' },
    listingApiCalls: {
      type: 'integer',
      description:
        "The coordinator's GHL requests: the pipelines call, pass 1's pages and the sweep's verification GETs (`apiCalls` adds the page jobs').",
    },
    sweepStatus: { enum: ['pending', 'done', 'skipped'] },
    sweepCandidates: {
      type: ['integer', 'null'],
      description: 'Live rows pass 1 did not see, when the sweep first counted them.',
    },
    sweepVerifiedGone: { type: 'integer', description: 'Candidates GET /opportunities/{id} confirmed gone.' },
    sweepVerifiedAlive: {
      type: 'integer',
      description: 'Candidates GHL still had (missed by the listing): written, not tombstoned.',
    },
    sweepVerifyMax: {
      type: ['integer', 'null'],
      description:
        'The verification cap (SWEEP_VERIFY_MAX, lowered by SWEEP_VERIFY_BUDGET_SHARE) when the sweep counted its candidates: above it they were not verified and the guards decided. Null before.',
    },
    listingPlan: {
      description: 'How pass 1 listed; null before it chose.',
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          required: ['kind', 'reason', 'answerMs'],
          properties: {
            kind: { const: 'single' },
            reason: {
              type: 'string',
              description: 'Why one chain: enough for the budget, or why partitions were not used.',
            },
            answerMs: { type: 'integer', description: 'Answer time of the first search request, in ms.' },
          },
        },
        {
          type: 'object',
          required: ['kind', 'chains', 'answerMs', 'unfilteredTotal', 'partitions'],
          properties: {
            kind: { const: 'partitioned' },
            chains: { type: 'integer', description: 'Cursor chains run at once.' },
            answerMs: { type: 'integer' },
            unfilteredTotal: { type: 'integer', description: '`meta.total` the partitions add up to.' },
            partitions: {
              type: 'array',
              items: {
                type: 'object',
                required: ['filter', 'total'],
                properties: {
                  filter: {
                    type: 'object',
                    description: 'Documented search filters: pipelineId, pipelineStageId, status.',
                  },
                  total: { type: ['integer', 'null'], description: "`meta.total` of the partition's first page." },
                },
              },
            },
          },
        },
      ],
    },
    cancelRequested: { type: 'boolean' },
    errorCode: { type: ['string', 'null'] },
    error: { type: ['string', 'null'] },
    webhooks: { type: 'boolean', description: 'The location had webhooks on when the run opened.' },
    drift: {
      type: ['integer', 'null'],
      description:
        'Runs of webhook locations after a baseline (an earlier run started since webhooks were last turned on and completed with them on): rows the run inserted, moved to a newer version or tombstoned that no received, still unapplied webhook event was bringing, i.e. what webhooks missed (0 when nothing was lost). Null otherwise.',
    },
  },
};

/** The document served at `GET /api/openapi.json`. */
export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'ghl-sync admin API',
    version: '0.1.0',
    description:
      'Start, follow and cancel sync runs of HighLevel opportunities into PostgreSQL; list locations; take signed GHL webhooks; health, readiness and metrics. Everything except /health, /ready, /metrics and /webhooks/ghl (signed by GHL) needs the admin token.',
  },
  components: {
    securitySchemes: {
      bearerAuth: { type: 'http', scheme: 'bearer', description: '`Authorization: Bearer <ADMIN_TOKEN>`.' },
      basicAuth: {
        type: 'http',
        scheme: 'basic',
        description: 'Dashboard only: any user name, password = ADMIN_TOKEN.',
      },
    },
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: {
              code: {
                type: 'string',
                description:
                  'Stable code from the ghl-sync error registry (`invalid_argument`, `run_already_active`, …).',
              },
              message: { type: 'string' },
              activeRunId: { type: ['integer', 'null'], description: 'Only with `run_already_active`.' },
              details: {
                type: 'object',
                description: 'For `invalid_argument`: `problems`, every validation problem as `{ path, message }`.',
              },
            },
          },
        },
      },
      Run: runSchema,
      RunPage: {
        type: 'object',
        properties: {
          runId: { type: 'integer' },
          pageNo: { type: 'integer' },
          status: { enum: ['listed', 'running', 'done', 'failed'] },
          listed: { type: 'integer' },
          fetched: { type: 'integer' },
          inserted: { type: 'integer' },
          updated: { type: 'integer' },
          unchanged: { type: 'integer' },
          duplicates: { type: 'integer' },
          recordErrors: { type: 'integer' },
          apiCalls: { type: 'integer' },
          attempts: { type: 'integer' },
          errorCode: { type: ['string', 'null'] },
          error: { type: ['string', 'null'] },
        },
      },
      RunError: {
        type: 'object',
        properties: {
          pageNo: { type: ['integer', 'null'] },
          opportunityId: { type: ['string', 'null'] },
          code: { type: 'string' },
          message: { type: 'string' },
          createdAt: { type: 'string', format: 'date-time' },
        },
      },
      StartSync: {
        type: 'object',
        additionalProperties: false,
        required: ['locationId', 'mode'],
        properties: {
          locationId: { type: 'string', minLength: 1, maxLength: 200 },
          mode: { enum: [...RUN_MODES], description: '`full` writes what changed; `resync` rewrites every page.' },
          allowMassDelete: {
            type: 'boolean',
            default: false,
            description: 'Let the sweep tombstone more than SWEEP_MAX_DELETE_RATIO of live rows.',
          },
        },
      },
      Location: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          name: { type: ['string', 'null'] },
          authType: { enum: ['pit', 'oauth'] },
          needsReconnect: { type: 'boolean' },
          reconnectReason: { type: ['string', 'null'] },
          scheduleCron: { type: ['string', 'null'] },
          scheduleTz: { type: 'string' },
          webhooks: {
            type: 'boolean',
            description:
              'GHL sends its opportunity webhooks to POST /webhooks/ghl; full runs reconcile and report drift.',
          },
          nextRunAt: {
            type: ['string', 'null'],
            format: 'date-time',
            description: "Next fire of the location's job scheduler; null without one.",
          },
          lastRun: {
            oneOf: [
              { type: 'null' },
              {
                type: 'object',
                properties: {
                  id: { type: 'integer' },
                  status: { type: 'string' },
                  mode: { type: 'string' },
                  trigger: { type: 'string' },
                  startedAt: { type: 'string', format: 'date-time' },
                  finishedAt: { type: ['string', 'null'], format: 'date-time' },
                  listed: { type: 'integer' },
                  errorCode: { type: ['string', 'null'] },
                },
              },
            ],
          },
        },
      },
    },
  },
  paths: {
    '/health': {
      get: {
        summary: 'Liveness: the process answers.',
        security: [],
        responses: {
          200: {
            description: '`{ status: "ok" }`',
            content: json({ type: 'object', properties: { status: { const: 'ok' } } }),
          },
        },
      },
    },
    '/ready': {
      get: {
        summary: 'Readiness: Redis answers PING and Postgres answers SELECT 1.',
        security: [],
        responses: {
          200: {
            description: 'Both answer.',
            content: json({ type: 'object', properties: { status: { const: 'ready' }, checks: { type: 'object' } } }),
          },
          503: errorReply('`db_error` or `redis_error`; `details.failed` names what did not answer.'),
        },
      },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus metrics (open, like /health).',
        security: [],
        responses: {
          200: { description: 'Prometheus text format.', content: { 'text/plain': { schema: { type: 'string' } } } },
        },
      },
    },
    '/api/openapi.json': {
      get: {
        summary: 'This document.',
        security: bearer,
        responses: { 200: { description: 'OpenAPI 3.1', content: json({ type: 'object' }) }, ...unauthorized },
      },
    },
    '/api/syncs': {
      post: {
        summary: 'Start a sync run of one location and enqueue its coordinator job.',
        security: bearer,
        requestBody: { required: true, content: json(ref('StartSync')) },
        responses: {
          202: {
            description: 'Run opened (`queued`) and its coordinator job enqueued.',
            content: json({
              type: 'object',
              required: ['runId', 'locationId', 'status'],
              properties: {
                runId: { type: 'integer' },
                locationId: { type: 'string' },
                status: { type: 'string' },
                mode: { type: 'string' },
                jobId: { type: 'string' },
              },
            }),
          },
          400: errorReply('`invalid_argument`; `details.problems` lists every problem.'),
          ...unauthorized,
          404: errorReply('`location_not_found`.'),
          409: errorReply('`run_already_active`; `error.activeRunId` is the active run.'),
          503: errorReply('`db_error` or `redis_error`.'),
        },
      },
      get: {
        summary: 'Runs, newest first.',
        security: bearer,
        parameters: [
          { name: 'locationId', in: 'query', required: false, schema: { type: 'string' } },
          {
            name: 'limit',
            in: 'query',
            required: false,
            schema: { type: 'integer', minimum: 1, maximum: 200, default: 20 },
          },
        ],
        responses: {
          200: {
            description: 'Runs.',
            content: json({ type: 'object', properties: { runs: { type: 'array', items: ref('Run') } } }),
          },
          400: errorReply('`invalid_argument`.'),
          ...unauthorized,
        },
      },
    },
    '/api/syncs/{id}': {
      get: {
        summary: 'One run with its counters, its pages and its record errors.',
        security: bearer,
        parameters: [runIdParam],
        responses: {
          200: {
            description: 'The run.',
            content: json({
              type: 'object',
              properties: {
                run: ref('Run'),
                pages: { type: 'array', items: ref('RunPage') },
                errors: { type: 'array', items: ref('RunError') },
              },
            }),
          },
          400: errorReply('`invalid_argument`: the id is not a positive integer.'),
          ...unauthorized,
          404: errorReply('`run_not_found`.'),
        },
      },
    },
    '/api/syncs/{id}/cancel': {
      post: {
        summary: 'Ask an active run to stop; the worker stops enqueueing, drains and ends it `cancelled`.',
        security: bearer,
        parameters: [runIdParam],
        responses: {
          202: {
            description: 'Cancellation requested (`cancelRequested: true`).',
            content: json({ type: 'object', properties: { run: ref('Run') } }),
          },
          400: errorReply('`invalid_argument`.'),
          ...unauthorized,
          404: errorReply('`run_not_found`.'),
          409: errorReply('`run_not_active`: the run already finished.'),
        },
      },
    },
    '/api/locations': {
      get: {
        summary: 'Registered locations (no credentials) with last run, next scheduled time and needsReconnect.',
        security: bearer,
        responses: {
          200: {
            description: 'Locations.',
            content: json({ type: 'object', properties: { locations: { type: 'array', items: ref('Location') } } }),
          },
          ...unauthorized,
        },
      },
    },
    '/api/locations/{id}': {
      patch: {
        summary:
          "Turn a location's webhooks on or off (as `ghl-sync locations update --webhooks|--no-webhooks`): a default 30-minute schedule becomes WEBHOOK_SCHEDULE_CRON when they go on, and back when they go off; a chosen schedule stays.",
        security: bearer,
        parameters: [
          { name: 'id', in: 'path', required: true, description: 'Location id.', schema: { type: 'string' } },
        ],
        requestBody: {
          required: true,
          content: json({
            type: 'object',
            required: ['webhooks'],
            additionalProperties: false,
            properties: { webhooks: { type: 'boolean' } },
          }),
        },
        responses: {
          200: {
            description: 'The location as saved (without `lastRun` and `nextRunAt`).',
            content: json({ type: 'object', properties: { location: ref('Location') } }),
          },
          400: errorReply('`invalid_argument`: a bad id or body (unknown fields are refused).'),
          ...unauthorized,
          404: errorReply('`location_not_found`.'),
        },
      },
    },
    '/webhooks/ghl': {
      post: {
        summary:
          "GHL's signed webhook deliveries (marketplace app webhook URL). No admin credential: the Ed25519 `x-ghl-signature` (or, while accepted, the legacy RSA `x-wh-signature`) over the raw body authenticates it. See docs/webhooks.md.",
        security: [],
        requestBody: {
          required: true,
          content: json({
            type: 'object',
            required: ['type', 'webhookId'],
            properties: {
              type: { type: 'string', examples: ['OpportunityStatusUpdate'] },
              webhookId: { type: 'string' },
              timestamp: {
                type: 'string',
                format: 'date-time',
                description:
                  'When GHL sent the event. More than WEBHOOK_MAX_AGE_S old or in the future: 401 webhook_stale. Absent: taken (no age check).',
              },
              locationId: { type: 'string' },
              id: { type: 'string', description: 'The opportunity id (Opportunity* events).' },
            },
            additionalProperties: true,
          }),
        },
        responses: {
          200: {
            description:
              "Stored (and its job enqueued) before this answer: `accepted`, `duplicate` (webhookId seen before; nothing done), `ignored_unknown_location` or `ignored_type`; the app's INSTALL / UNINSTALL: `app_event` (acted upon) or `ignored_unknown_agency`.",
            content: json({
              type: 'object',
              properties: {
                status: {
                  enum: [
                    'accepted',
                    'duplicate',
                    'ignored_unknown_location',
                    'ignored_type',
                    'app_event',
                    'ignored_unknown_agency',
                  ],
                },
              },
            }),
          },
          400: { description: '`webhook_invalid_body`: not a JSON object with `type` and `webhookId`.' },
          401: {
            description:
              '`webhook_signature_missing`, `webhook_signature_invalid`, `webhook_legacy_signature_refused` or `webhook_stale`.',
          },
          413: { description: '`webhook_body_too_large`: over WEBHOOK_BODY_LIMIT_BYTES.' },
          429: {
            description: '`webhook_unavailable`: Postgres or Redis could not take it now; GHL retries a 429.',
          },
        },
      },
    },
    '/oauth/install': {
      get: {
        summary:
          'Starts a marketplace-app install: a single-use `state` (cookie of this browser, valid OAUTH_INSTALL_STATE_TTL_S) and a 302 to GHL\'s chooselocation page with the client id, GHL_OAUTH_SCOPES and GHL_OAUTH_REDIRECT_URI. No admin credential. See README, "Onboard an agency".',
        security: [],
        parameters: [
          {
            name: 'userType',
            in: 'query',
            required: false,
            schema: { enum: ['Company', 'Location'], default: 'Company' },
            description: '`Company`: an agency approves for its sub-accounts; `Location`: one sub-account.',
          },
        ],
        responses: {
          302: { description: 'To the marketplace approval page.' },
          503: {
            description: 'The OAuth app (client id, secret, redirect URI) or TOKEN_ENCRYPTION_KEY is not configured.',
          },
        },
      },
    },
    '/oauth/callback': {
      get: {
        summary:
          "GHL's redirect after the approval (`code`, `state`). The state must be this browser's, unused and unexpired; then the code is exchanged (`POST /oauth/token`, `grant_type=authorization_code`). A Company token is stored as the agency's credential and its installed locations are registered with minted tokens and synced; a Location token registers its location. No admin credential.",
        security: [],
        parameters: [
          { name: 'code', in: 'query', required: true, schema: { type: 'string' } },
          { name: 'state', in: 'query', required: true, schema: { type: 'string' } },
        ],
        responses: {
          200: {
            description: 'HTML: the agency or location is connected.',
            content: { 'text/html': { schema: { type: 'string' } } },
          },
          400: { description: '`oauth_state_invalid` (no CSRF, no replay) or `oauth_code_refused`.' },
          502: { description: 'GHL did not complete the code exchange.' },
          503: { description: 'The OAuth app or TOKEN_ENCRYPTION_KEY is not configured.' },
        },
      },
    },
    '/admin/queues': {
      get: {
        summary: 'Bull Board dashboard (HTML) over every queue; its own XHR API lives under /admin/queues/api.',
        security: [{ basicAuth: [] }, { bearerAuth: [] }],
        responses: {
          200: { description: 'The dashboard.', content: { 'text/html': { schema: { type: 'string' } } } },
          401: {
            description: 'No or wrong credential; `WWW-Authenticate: Basic realm="ghl-sync"` makes a browser prompt.',
          },
        },
      },
    },
  },
} as const;

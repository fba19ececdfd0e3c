import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { SandboxAdmin } from '../admin/sandbox-admin.js';
import type { MutateRequest } from '../data/location-store.js';
import type { OpportunityRecord } from '../data/opportunity-record.js';
import type { SandboxKnobs } from '../knobs.js';
import type { SandboxLocationSpec } from '../sandbox-options.js';
import type { WebhookSettings } from '../webhooks/webhook-settings.js';
import { SandboxAdminError } from '../sandbox-state.js';

type LocParams = { id: string };
type OppParams = { id: string; oppId: string };

function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new SandboxAdminError(400, 'body must be a JSON object');
  return body as Record<string, unknown>;
}

function nonNegInt(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || (value as number) < 0)
    throw new SandboxAdminError(400, `${name} must be a non-negative integer`);
  return value as number;
}

/**
 * The admin surface under `/_sandbox/` (requires `Authorization: Bearer <adminToken>`): the
 * HTTP twin of {@link SandboxAdmin}. Not part of the GHL API; errors are `{statusCode, message}`.
 */
export function registerAdminRoutes(app: FastifyInstance, admin: SandboxAdmin, adminToken: string): void {
  void app.register(
    async (scope) => {
      scope.addHook('onRequest', async (request, reply) => {
        if (request.headers.authorization !== `Bearer ${adminToken}`) {
          return reply.code(401).send({ statusCode: 401, message: 'admin token required' });
        }
        return undefined;
      });
      scope.setErrorHandler((error: unknown, _request, reply: FastifyReply) => {
        const status =
          error instanceof SandboxAdminError
            ? error.statusCode
            : ((error as { statusCode?: number }).statusCode ?? 500);
        return reply
          .code(status)
          .send({ statusCode: status, message: error instanceof Error ? error.message : String(error) });
      });

      scope.get('/locations', async () => ({ locations: admin.listLocations() }));
      scope.post('/locations', async (request, reply) => {
        const body = objectBody(request.body);
        const spec: SandboxLocationSpec = { opportunities: nonNegInt(body['opportunities'], 'opportunities') ?? 0 };
        if (typeof body['id'] === 'string') spec.id = body['id'];
        if (typeof body['token'] === 'string') spec.token = body['token'];
        if (typeof body['name'] === 'string') spec.name = body['name'];
        return reply.code(201).send(admin.createLocation(spec));
      });

      scope.get<{ Params: LocParams }>('/locations/:id/opportunities', async (request, reply) => {
        const records = admin.exportOpportunities(request.params.id);
        // Chunks of ~256 lines: one stream write per record makes a 500k export several times slower.
        async function* lines(): AsyncGenerator<string> {
          let chunk = '';
          let inChunk = 0;
          for await (const record of records) {
            chunk += `${JSON.stringify(record)}\n`;
            inChunk += 1;
            if (inChunk === 256) {
              yield chunk;
              chunk = '';
              inChunk = 0;
            }
          }
          if (chunk !== '') yield chunk;
        }
        return reply.type('application/x-ndjson; charset=utf-8').send(Readable.from(lines()));
      });
      scope.post<{ Params: LocParams }>('/locations/:id/opportunities', async (request, reply) => {
        return reply
          .code(201)
          .send(admin.createOpportunity(request.params.id, objectBody(request.body) as OpportunityRecord));
      });
      scope.get<{ Params: OppParams }>('/locations/:id/opportunities/:oppId', async (request, reply) => {
        const record = admin.getOpportunity(request.params.id, request.params.oppId);
        if (record === undefined) throw new SandboxAdminError(404, `unknown opportunity ${request.params.oppId}`);
        return reply.send(record);
      });
      scope.patch<{ Params: OppParams }>('/locations/:id/opportunities/:oppId', async (request) => {
        return admin.updateOpportunity(
          request.params.id,
          request.params.oppId,
          objectBody(request.body) as OpportunityRecord,
        );
      });
      scope.delete<{ Params: OppParams }>('/locations/:id/opportunities/:oppId', async (request, reply) => {
        admin.deleteOpportunity(request.params.id, request.params.oppId);
        return reply.code(204).send();
      });
      scope.post<{ Params: LocParams }>('/locations/:id/mutate', async (request) => {
        const body = objectBody(request.body);
        const mutation: MutateRequest = {};
        const create = nonNegInt(body['create'], 'create');
        const update = nonNegInt(body['update'], 'update');
        const remove = nonNegInt(body['delete'], 'delete');
        if (create !== undefined) mutation.create = create;
        if (update !== undefined) mutation.update = update;
        if (remove !== undefined) mutation.delete = remove;
        if (body['seed'] !== undefined) mutation.seed = nonNegInt(body['seed'], 'seed') as number;
        return admin.mutate(request.params.id, mutation);
      });

      scope.get<{ Params: LocParams }>('/locations/:id/knobs', async (request) => admin.getKnobs(request.params.id));
      scope.patch<{ Params: LocParams }>('/locations/:id/knobs', async (request) =>
        admin.setKnobs(request.params.id, objectBody(request.body) as Partial<SandboxKnobs>),
      );
      scope.delete<{ Params: LocParams }>('/locations/:id/knobs', async (request) =>
        admin.resetKnobs(request.params.id),
      );

      scope.get<{ Params: LocParams }>('/locations/:id/stats', async (request) => admin.getStats(request.params.id));
      scope.delete<{ Params: LocParams }>('/locations/:id/stats', async (request, reply) => {
        admin.resetStats(request.params.id);
        return reply.code(204).send();
      });
      scope.delete<{ Params: LocParams }>('/locations/:id/rate-limit', async (request, reply) => {
        admin.resetRateLimits(request.params.id);
        return reply.code(204).send();
      });

      scope.post<{ Params: LocParams }>('/locations/:id/oauth/install', async (request, reply) => {
        const body = objectBody(request.body);
        const ttl = body['accessTokenTtlSec'];
        if (ttl !== undefined && !(typeof ttl === 'number' && ttl > 0))
          throw new SandboxAdminError(400, 'accessTokenTtlSec must be a positive number');
        return reply
          .code(201)
          .send(admin.createOAuthInstall(request.params.id, ttl === undefined ? {} : { accessTokenTtlSec: ttl }));
      });
      scope.post('/oauth/authorize', async (request, reply) => {
        const body = objectBody(request.body);
        const userType = body['userType'];
        if (userType !== 'Location' && userType !== 'Company')
          throw new SandboxAdminError(400, 'userType must be Location or Company');
        const str = (k: string): string | undefined => (typeof body[k] === 'string' ? (body[k] as string) : undefined);
        const ids = body['locationIds'];
        if (ids !== undefined && !(Array.isArray(ids) && ids.every((x) => typeof x === 'string')))
          throw new SandboxAdminError(400, 'locationIds must be an array of strings');
        return reply.code(201).send(
          admin.authorize({
            userType,
            ...(str('locationId') !== undefined && { locationId: str('locationId') }),
            ...(str('companyId') !== undefined && { companyId: str('companyId') }),
            ...(ids !== undefined && { locationIds: ids as string[] }),
            ...(typeof body['installToFutureLocations'] === 'boolean' && {
              installToFutureLocations: body['installToFutureLocations'],
            }),
            ...(str('redirectUri') !== undefined && { redirectUri: str('redirectUri') }),
            ...(str('state') !== undefined && { state: str('state') }),
          }),
        );
      });
      scope.post<{ Params: LocParams }>('/companies/:id/install', async (request, reply) => {
        const body = objectBody(request.body);
        const locations = nonNegInt(body['locations'], 'locations') ?? 0;
        const opportunities = nonNegInt(body['opportunities'], 'opportunities');
        return reply.code(201).send({
          locations: admin.installApp(request.params.id, {
            locations,
            ...(opportunities !== undefined && { opportunities }),
          }),
        });
      });
      scope.get('/companies/oauth-stats', async () => admin.companyOAuthStats());
      scope.get<{ Params: LocParams }>('/companies/:id/installed', async (request) => ({
        locationIds: admin.installedLocations(request.params.id),
      }));
      scope.post<{ Params: LocParams }>('/locations/:id/oauth/uninstall', async (request) => ({
        uninstalled: admin.uninstallApp(request.params.id),
      }));
      scope.post<{ Params: LocParams }>('/locations/:id/oauth/expire', async (request) => ({
        expired: admin.expireAccessToken(request.params.id),
      }));

      scope.get('/webhook-keys', async () => admin.webhookKeys());
      scope.get('/webhooks', async () => admin.getWebhookSettings());
      scope.patch('/webhooks', async (request) =>
        admin.setWebhookSettings(objectBody(request.body) as Partial<WebhookSettings>),
      );
      scope.delete('/webhooks', async () => admin.resetWebhookSettings());
      scope.get('/webhooks/stats', async () => admin.getWebhookStats());
      scope.delete('/webhooks/stats', async (_request, reply) => {
        admin.resetWebhookStats();
        return reply.code(204).send();
      });
      // Answers once every scheduled delivery was answered or given up, with the counters then.
      scope.post('/webhooks/idle', async () => {
        await admin.webhooksIdle();
        return admin.getWebhookStats();
      });
    },
    { prefix: '/_sandbox' },
  );
}

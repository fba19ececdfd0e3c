import type { FastifyInstance } from 'fastify';
import { authorize } from '../auth/authorize.js';
import type { ServerContext } from '../http/server-context.js';
import { SandboxAdminError } from '../sandbox-state.js';

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The marketplace's install page (`/oauth/chooselocation?response_type=code&client_id&redirect_uri&scope`,
 * ghl-api.md §5.1; real host marketplace.gohighlevel.com). GET shows a page where the agency
 * approves for all its locations or one sub-account approves; the form's POST installs the app
 * and redirects (302) to `redirect_uri` with `code` and the client's `state`. No login: the
 * sandbox's user is its default agency.
 */
export function registerOAuthChooseLocationRoute(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/oauth/chooselocation', async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const problems: string[] = [];
    if (query['response_type'] !== 'code') problems.push('response_type must be code');
    if (query['client_id'] !== ctx.state.config.oauthClient.clientId) problems.push('unknown client_id');
    if (!query['redirect_uri']) problems.push('redirect_uri is required');
    if (problems.length > 0)
      return reply
        .code(400)
        .type('text/html')
        .send(`<h1>Invalid install link</h1><p>${escape(problems.join('; '))}</p>`);
    const companyId = ctx.state.config.companyId;
    const hidden = ['client_id', 'redirect_uri', 'scope', 'state']
      .filter((k) => query[k] !== undefined)
      .map((k) => `<input type="hidden" name="${k}" value="${escape(query[k]!)}">`)
      .join('');
    const locations = ctx.state
      .companyLocations(companyId)
      .map(
        (l) =>
          `<li><button name="target" value="location:${escape(l.id)}" data-location-id="${escape(l.id)}">${escape(l.name)}</button></li>`,
      )
      .join('');
    return reply.type('text/html').send(`<!doctype html><html><head><title>Choose location</title></head><body>
<h1>Install the app</h1><p>Scopes: ${escape(query['scope'] ?? '')}</p>
<form method="post" action="/oauth/chooselocation">${hidden}
<button name="target" value="company" id="approve-agency">Approve for the whole agency</button>
<ul>${locations}</ul></form></body></html>`);
  });

  app.post('/oauth/chooselocation', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, string | undefined>;
    if (body['client_id'] !== ctx.state.config.oauthClient.clientId || !body['redirect_uri'])
      return reply.code(400).type('text/html').send('<h1>Invalid install request</h1>');
    const target = body['target'] ?? '';
    try {
      const result = authorize(
        ctx.state,
        {
          ...(target.startsWith('location:')
            ? { userType: 'Location' as const, locationId: target.slice('location:'.length) }
            : { userType: 'Company' as const }),
          redirectUri: body['redirect_uri'],
          ...(body['state'] !== undefined && { state: body['state'] }),
        },
        Date.now(),
      );
      return reply.redirect(result.redirect!, 302);
    } catch (error) {
      if (!(error instanceof SandboxAdminError)) throw error;
      return reply
        .code(error.statusCode)
        .type('text/html')
        .send(`<h1>${escape(error.message)}</h1>`);
    }
  });
}

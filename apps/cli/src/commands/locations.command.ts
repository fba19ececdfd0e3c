import type { Command } from 'commander';
import { listLocations, requireLocationId, upsertLocation, type LocationSummary } from '@ghl-sync/db';
import { requireTokenCipher } from '@ghl-sync/secrets';
import { GhlSyncError } from '@ghl-sync/errors';
import {
  applySchedule,
  checkLocationToken,
  DEFAULT_SCHEDULE_CRON,
  updateLocationSettings,
  validateSchedule,
} from '@ghl-sync/sync';
import { parseIntOption } from '../parse-options.js';
import { createCliContext } from '../cli-context.js';
import { readTokenInput, type TokenInputOptions } from '../read-token-input.js';

interface AddOptions extends TokenInputOptions {
  expiresIn?: string;
  name?: string;
  schedule?: string | false;
  tz?: string;
  check: boolean;
  webhooks?: boolean;
}

/** `ghl-sync locations add|update|list`. Tokens are stored in Postgres and never printed back. */
export function registerLocationCommands(program: Command): void {
  const locations = program.command('locations').description('register and list GHL locations (sub-accounts)');

  locations
    .command('add <locationId>')
    .description(
      'register a location with a Private Integration token, or an OAuth access + refresh token pair (replaces the credential if it exists)',
    )
    .option(
      '--token-stdin',
      'read the token from the first line of stdin (Private Integration token pit-…, or OAuth access token) and an OAuth refresh token from the second',
    )
    .option('--token-file <path>', 'read the token from the first line of a file')
    .option('--refresh-token-file <path>', 'read the OAuth refresh token from the first line of a file')
    .option(
      '--token <token>',
      'the token on the command line: every user of the host can read it (ps); prefer --token-stdin, --token-file or GHL_TOKEN',
    )
    .option(
      '--refresh-token <token>',
      'OAuth refresh token on the command line (prefer the second line of --token-stdin, --refresh-token-file or GHL_REFRESH_TOKEN); a refresh token makes this an OAuth location, refreshed automatically (needs GHL_OAUTH_CLIENT_ID/SECRET on the workers)',
    )
    .option(
      '--expires-in <seconds>',
      'with --refresh-token: seconds until the access token expires (GHL answers 86399)',
      '86399',
    )
    .option('--name <name>', 'a display name')
    .option('--schedule <cron>', 'cron pattern of the scheduled sync (default: every 30 minutes)')
    .option('--no-schedule', 'no scheduled sync for this location')
    .option('--tz <zone>', 'IANA time zone of the schedule', 'UTC')
    .option('--no-check', 'register without checking the token with GHL first (one GET /opportunities/pipelines)')
    .option(
      '--webhooks',
      "GHL sends this location's opportunity webhooks to POST /webhooks/ghl: without --schedule, full syncs run on WEBHOOK_SCHEDULE_CRON (every 6 h) as reconciliation",
    )
    .action(async (locationId: string, opts: AddOptions) => {
      // Everything is checked before anything is written.
      requireLocationId(locationId, '<locationId>');
      const ctx = createCliContext();
      const input = await readTokenInput(opts, {
        env: { GHL_TOKEN: ctx.config.GHL_TOKEN, GHL_REFRESH_TOKEN: ctx.config.GHL_REFRESH_TOKEN },
        stdin: process.stdin,
        stderr: process.stderr,
      });
      const oauth = input.refreshToken !== undefined;
      const expiresInSec = oauth ? parseIntOption('expires-in', opts.expiresIn, 1) : undefined;
      // undefined keeps an existing location's schedule (a new one gets every 30 minutes); with
      // webhooks the full sync only reconciles, so it runs less often.
      const cron =
        opts.schedule === false
          ? null
          : (opts.schedule ?? (opts.webhooks ? ctx.config.WEBHOOK_SCHEDULE_CRON : undefined));
      if (cron) validateSchedule(cron, opts.tz ?? 'UTC');
      else if (opts.tz) validateSchedule(DEFAULT_SCHEDULE_CRON, opts.tz);
      try {
        // Before GHL is asked anything: without the key the token could not be stored.
        const tokens = requireTokenCipher(ctx.config);
        let accessTokenExpired = false;
        if (opts.check) {
          try {
            ({ accessTokenExpired } = await checkLocationToken({
              baseUrl: ctx.config.GHL_BASE_URL,
              locationId,
              token: input.accessToken,
              oauth,
              timeoutMs: ctx.config.GHL_TIMEOUT_MS,
            }));
          } catch (err) {
            if (!(err instanceof GhlSyncError)) throw err;
            throw new GhlSyncError(
              err.code,
              `${err.message}; nothing was registered (fix the token, or pass --no-check to register it unchecked)`,
              { details: err.details, retryable: err.retryable, cause: err },
            );
          }
        }
        const saved = await upsertLocation(
          ctx.db(),
          {
            id: locationId,
            name: opts.name ?? null,
            authType: oauth ? 'oauth' : 'pit',
            accessToken: input.accessToken,
            refreshToken: input.refreshToken ?? null,
            // An access token GHL already calls expired is stored as due: the first run refreshes
            // it with the refresh token instead of spending a request on a certain 401.
            tokenExpiresAt: accessTokenExpired
              ? new Date()
              : expiresInSec
                ? new Date(Date.now() + expiresInSec * 1000)
                : null,
            scheduleCron: cron,
            scheduleTz: opts.tz,
            ...(opts.webhooks && { webhooks: true }),
          },
          tokens,
        );
        await applySchedule(ctx.queues(), saved);
        console.log(
          `location ${saved.id} registered (${oauth ? 'OAuth tokens' : 'token'} ${opts.check ? 'checked with GHL and ' : ''}stored, not shown${accessTokenExpired ? '; the access token has expired: the first run refreshes it' : ''}); schedule: ${saved.scheduleCron ?? 'none'}${saved.scheduleCron ? ` ${saved.scheduleTz}` : ''}; webhooks: ${saved.webhooks ? 'on' : 'off'}`,
        );
      } finally {
        await ctx.close();
      }
    });

  locations
    .command('update <locationId>')
    .description("change a location's schedule or turn its webhooks on or off")
    .option('--schedule <cron>', 'cron pattern of the scheduled sync')
    .option('--no-schedule', 'turn the scheduled sync off')
    .option('--tz <zone>', 'IANA time zone of the schedule')
    .option(
      '--webhooks',
      'webhooks on; without --schedule, a default 30-minute schedule becomes WEBHOOK_SCHEDULE_CRON (every 6 h)',
    )
    .option('--no-webhooks', 'webhooks off; without --schedule, WEBHOOK_SCHEDULE_CRON goes back to every 30 minutes')
    .action(async (locationId: string, opts: Pick<AddOptions, 'schedule' | 'tz' | 'webhooks'>) => {
      requireLocationId(locationId, '<locationId>');
      const ctx = createCliContext();
      try {
        const updated = await updateLocationSettings(
          { db: ctx.db(), queues: ctx.queues(), webhookScheduleCron: ctx.config.WEBHOOK_SCHEDULE_CRON },
          locationId,
          {
            ...(opts.schedule !== undefined && { schedule: opts.schedule === false ? null : opts.schedule }),
            ...(opts.tz !== undefined && { tz: opts.tz }),
            ...(opts.webhooks !== undefined && { webhooks: opts.webhooks }),
          },
        );
        const cron = updated.scheduleCron;
        console.log(
          `location ${locationId}: schedule ${cron ?? 'none'}${cron ? ` ${updated.scheduleTz}` : ''}; webhooks: ${updated.webhooks ? 'on' : 'off'}`,
        );
      } finally {
        await ctx.close();
      }
    });

  locations
    .command('list')
    .description('list registered locations (without tokens)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const ctx = createCliContext();
      try {
        const rows = await listLocations(ctx.db());
        if (opts.json) console.log(JSON.stringify(rows, null, 2));
        else if (rows.length === 0)
          console.log('no locations registered; add one with `ghl-sync locations add <locationId> --token-stdin`');
        else
          for (const l of rows)
            console.log(
              `${l.id}\t${AUTH_LABEL[l.authType]}${l.agencyId ? ` ${l.agencyId}` : ''}\t${l.scheduleCron ?? 'no schedule'}\t${l.webhooks ? 'webhooks' : 'no webhooks'}\t${l.name ?? ''}\t${state(l)}`,
            );
      } finally {
        await ctx.close();
      }
    });
}

/** How `locations list` names each way a location is authorised. */
const AUTH_LABEL: Record<LocationSummary['authType'], string> = {
  pit: 'pit',
  oauth: 'oauth-location',
  agency: 'minted-from-agency',
};

function state(l: LocationSummary): string {
  if (l.uninstalledAt) return `UNINSTALLED: ${l.uninstallReason ?? 'the app was removed'}`;
  return l.needsReconnect ? `NEEDS ATTENTION: ${l.reconnectReason ?? 'reconnect it'}` : 'ok';
}

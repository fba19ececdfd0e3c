import type { Command } from 'commander';
import { requireLocationId } from '@ghl-sync/db';
import { startSandbox } from '@ghl-sync/ghl-sandbox';
import { compareWithSandbox } from '@ghl-sync/sync';
import { createCliContext } from '../cli-context.js';
import { httpSandboxExport } from '../http-sandbox-export.js';

interface SandboxCliOptions {
  port: string;
  host: string;
  seed: string;
  locations: string;
  opportunities: string;
  rateLimitMax: string;
  rateLimitIntervalMs: string;
  dailyLimit: string;
  adminToken?: string;
  webhookUrl?: string;
}

/** Mismatches printed without --json; the rest are counted. */
const SHOWN_MISMATCHES = 10;

/**
 * `ghl-sync sandbox`: the GHL simulator as a standalone server; `ghl-sync sandbox compare`: checks
 * a location's mirror against the running sandbox's own data.
 */
export function registerSandboxCommand(program: Command): void {
  const sandbox = program
    .command('sandbox')
    .description('run the GHL simulator (ghl-sandbox) until SIGINT')
    .option('--port <port>', 'port (0 = any free port)', '4010')
    .option('--host <host>', 'interface', '127.0.0.1')
    .option('--seed <n>', 'data seed; same seed, same data', '1')
    .option('--locations <n>', 'generated locations', '1')
    .option('--opportunities <n>', 'opportunities per location', '5301')
    .option('--rate-limit-max <n>', 'requests per window per location (0 = off)', '100')
    .option('--rate-limit-interval-ms <ms>', 'window length', '10000')
    .option('--daily-limit <n>', 'requests per day per location (0 = off)', '200000')
    .option('--admin-token <token>', 'bearer token of the /_sandbox admin surface (default: sandbox-admin)')
    .option(
      '--webhook-url <url>',
      "send every change there as GHL's signed Opportunity* webhooks (keys: GET /_sandbox/webhook-keys)",
    )
    .action(async (opts: SandboxCliOptions) => {
      const sandbox = await startSandbox({
        port: Number(opts.port),
        host: opts.host,
        seed: Number(opts.seed),
        locations: Number(opts.locations),
        opportunitiesPerLocation: Number(opts.opportunities),
        rateLimitMax: Number(opts.rateLimitMax),
        rateLimitIntervalMs: Number(opts.rateLimitIntervalMs),
        dailyLimit: Number(opts.dailyLimit),
        adminToken: opts.adminToken,
        ...(opts.webhookUrl !== undefined && { webhooks: { url: opts.webhookUrl } }),
      });
      console.log(`ghl-sandbox listening on ${sandbox.url}`);
      console.log(`admin surface: ${sandbox.url}/_sandbox (Authorization: Bearer <admin token>)`);
      for (const l of sandbox.locations) console.log(`  location ${l.id}  token ${l.token}`);
      if (opts.webhookUrl !== undefined)
        console.log(`webhooks to ${opts.webhookUrl}, signed with the keys at GET ${sandbox.url}/_sandbox/webhook-keys`);
      console.log(
        `with GHL_BASE_URL=${sandbox.url} set for every command: register one with npx ghl-sync locations add <locationId> --token-stdin, then run workers`,
      );
      const stop = () => void sandbox.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  registerCompareCommand(sandbox);
}

/**
 * `ghl-sync sandbox compare <locationId>`: reads the sandbox's export from GHL_BASE_URL and checks
 * Postgres against it row by row. Exit codes (as `sync`): 0 exact, 2 mismatches, 1 error.
 */
function registerCompareCommand(sandbox: Command): void {
  sandbox
    .command('compare <locationId>')
    .description(
      "check a location's rows in Postgres against the sandbox at GHL_BASE_URL, row by row (name, stage, " +
        'status, amount; every other row tombstoned). Only ghl-sandbox has the export this reads (the real GHL API ' +
        "has none); the admin token is the sandbox's: `ghl-sync sandbox compare <id> --admin-token <token>` " +
        '(default sandbox-admin). Exit 0 exact, 2 mismatches, 1 error',
    )
    .option('--json', 'print the whole result (every mismatch) as one JSON object')
    .action(async (locationId: string, opts: { json?: boolean }, cmd: Command) => {
      requireLocationId(locationId, '<locationId>');
      // --admin-token is the parent's option (commander gives an option to the command that declares
      // it wherever it stands), so `sandbox compare` and `sandbox` share one spelling.
      const adminToken = (cmd.optsWithGlobals() as { adminToken?: string }).adminToken ?? 'sandbox-admin';
      const ctx = createCliContext();
      try {
        const upstream = httpSandboxExport({
          baseUrl: ctx.config.GHL_BASE_URL,
          adminToken,
          timeoutMs: ctx.config.GHL_TIMEOUT_MS,
        });
        const result = await compareWithSandbox(ctx.db(), upstream, locationId);
        if (opts.json) console.log(JSON.stringify({ locationId, ...result }));
        else {
          console.log(
            `checked ${result.checked}, tombstoned ${result.tombstoned}, mismatches ${result.mismatches.length}`,
          );
          for (const m of result.mismatches.slice(0, SHOWN_MISMATCHES)) console.log(`  ${m}`);
          if (result.mismatches.length > SHOWN_MISMATCHES)
            console.log(`  … and ${result.mismatches.length - SHOWN_MISMATCHES} more (--json lists them all)`);
        }
        process.exitCode = result.mismatches.length === 0 ? 0 : 2;
      } finally {
        await ctx.close();
      }
    });
}

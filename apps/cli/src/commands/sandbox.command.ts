import type { Command } from 'commander';
import { startSandbox } from '@ghl-sync/ghl-sandbox';

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

/** `ghl-sync sandbox`: the GHL simulator as a standalone server. */
export function registerSandboxCommand(program: Command): void {
  program
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
}

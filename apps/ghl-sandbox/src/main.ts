import { parseArgs } from 'node:util';
import { createShutdownRegistry, installGracefulShutdown } from '@ghl-sync/lifecycle';
import { createLogger } from '@ghl-sync/logger';
import { startSandbox } from './start-sandbox.js';

/**
 * Standalone sandbox: `node dist/main.js --port 4010 --locations 3 --opportunities 20000`
 * (`--webhook-url <url>` sends every change there as GHL's webhooks).
 * Configuration comes from argv only (this app never reads the environment).
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    seed: { type: 'string', default: '1' },
    locations: { type: 'string', default: '1' },
    opportunities: { type: 'string', default: '100' },
    'rate-limit-max': { type: 'string', default: '100' },
    'rate-limit-interval-ms': { type: 'string', default: '10000' },
    'daily-limit': { type: 'string', default: '200000' },
    'admin-token': { type: 'string', default: 'sandbox-admin' },
    'webhook-url': { type: 'string' },
  },
  strict: true,
});

function int(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer, got "${text}"`);
  return value;
}

// Logs go to stderr so stdout keeps only the lines scripts parse (URL, location ids and tokens).
const logger = createLogger({ name: 'ghl-sandbox', destination: process.stderr });
const sandbox = await startSandbox({
  port: int('port', values.port),
  host: values.host,
  seed: int('seed', values.seed),
  locations: int('locations', values.locations),
  opportunitiesPerLocation: int('opportunities', values.opportunities),
  rateLimitMax: int('rate-limit-max', values['rate-limit-max']),
  rateLimitIntervalMs: int('rate-limit-interval-ms', values['rate-limit-interval-ms']),
  dailyLimit: int('daily-limit', values['daily-limit']),
  adminToken: values['admin-token'],
  ...(values['webhook-url'] !== undefined && { webhooks: { url: values['webhook-url'] } }),
  logger,
});

// Plain lines on stdout so scripts (and humans) can pick up the URL and the tokens.
process.stdout.write(`GHL sandbox listening on ${sandbox.url}\n`);
for (const location of sandbox.locations)
  process.stdout.write(`location ${location.id} token ${location.token} name ${JSON.stringify(location.name)}\n`);

const registry = createShutdownRegistry();
registry.register('sandbox', () => sandbox.close());
// A simulator started by a test or a script stops with it.
installGracefulShutdown({ registry, graceMs: 10_000, parentCheckMs: 1_000, logger });

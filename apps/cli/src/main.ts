import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { isGhlSyncError } from '@ghl-sync/errors';
import { redisFailureOf } from './cli-context.js';
import { registerApiCommand } from './commands/api.command.js';
import { registerDbCommands } from './commands/db.command.js';
import { registerDemoCommand } from './commands/demo.command.js';
import { registerAgencyCommands } from './commands/agencies.command.js';
import { registerKeyCommands } from './commands/keys.command.js';
import { registerLocationCommands } from './commands/locations.command.js';
import { registerRunCommands } from './commands/runs.command.js';
import { registerSandboxCommand } from './commands/sandbox.command.js';
import { registerSyncCommand } from './commands/sync.command.js';
import { registerWebhookCommands } from './commands/webhooks.command.js';
import { registerWorkerCommand } from './commands/worker.command.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

const program = new Command('ghl-sync')
  .description('Mirror HighLevel (GoHighLevel) opportunities into PostgreSQL with a BullMQ worker fleet.')
  .version(version)
  .showHelpAfterError()
  .exitOverride();

registerDbCommands(program);
registerKeyCommands(program);
registerAgencyCommands(program);
registerLocationCommands(program);
registerSyncCommand(program);
registerRunCommands(program);
registerWebhookCommands(program);
registerWorkerCommand(program);
registerApiCommand(program);
registerSandboxCommand(program);
registerDemoCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (caught) {
  const err = isGhlSyncError(caught) ? caught : (redisFailureOf(caught) ?? caught);
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode;
  } else if (isGhlSyncError(err)) {
    // Named errors print their code and message only: never the cause, which may hold request data.
    console.error(`error [${err.code}]: ${err.message}`);
    // 3D000: no such database; 3F000 / 42P01: no ghl schema or table yet.
    if (err.code === 'db_error' && ['3D000', '3F000', '42P01'].includes(String(err.details['pgCode'])))
      console.error('hint: create the database and its tables with `npx ghl-sync db migrate`');
    if (err.code === 'run_already_active' && err.details['activeRunId'])
      console.error(`the active run is ${String(err.details['activeRunId'])}`);
    process.exitCode = err.code === 'run_already_active' ? 3 : 1;
  } else {
    console.error(`error: ${(err as Error).message ?? String(err)}`);
    process.exitCode = 1;
  }
}

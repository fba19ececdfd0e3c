import { GhlSyncError } from '@ghl-sync/errors';
import { configSchema, type Config } from './config-schema.js';

/**
 * Parses the environment once. Only this package reads `process.env`.
 *
 * @param env - variables to read; defaults to `process.env`. Tests pass their own object.
 * @param overrides - values that win over `env` (CLI flags such as `--concurrency`).
 * @returns a frozen {@link Config}.
 * @throws GhlSyncError `config_invalid` listing EVERY problem, one per line, with no secret values.
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  overrides: Partial<Record<keyof Config, unknown>> = {},
): Config {
  const input: Record<string, unknown> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value =
      key in overrides && overrides[key as keyof Config] !== undefined ? overrides[key as keyof Config] : env[key];
    // An empty variable means "unset" (docker-compose passes `FOO=` for blanks).
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = configSchema.safeParse(input);
  // Two ways to reach Redis: one must be chosen, never both silently (a default REDIS_URL is fine).
  const conflicts =
    input['REDIS_URL'] !== undefined && input['REDIS_CLUSTER_NODES'] !== undefined
      ? ['REDIS_URL, REDIS_CLUSTER_NODES: set one of them, not both (a single Redis node or a Redis Cluster)']
      : [];
  if (!parsed.success || conflicts.length > 0) {
    const problems = [
      ...(parsed.success
        ? []
        : parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)),
      ...conflicts,
    ];
    throw new GhlSyncError(
      'config_invalid',
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  - ${problems.join('\n  - ')}`,
      {
        details: { problems },
      },
    );
  }
  return Object.freeze(parsed.data!);
}

/** Rows for the README configuration table: name, default and description of every variable. */
export function describeConfig(): Array<{ name: string; defaultValue: string; description: string }> {
  return Object.entries(configSchema.shape).map(([name, schema]) => {
    const result = schema.safeParse(undefined);
    return {
      name,
      defaultValue:
        result.success && result.data !== undefined && String(result.data) !== '' ? String(result.data) : '(none)',
      description: schema.description ?? '',
    };
  });
}

/** The parent's environment, for spawning child processes (the CLI's demo starts workers). */
export function processEnvironment(): Record<string, string | undefined> {
  return { ...process.env };
}

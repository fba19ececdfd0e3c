import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// No Docker engine in CI: the image is held to its rules by reading the files.
const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));

describe('Dockerfile', () => {
  it('fails the build when install fails, builds in one stage and runs in another, as the node user, with a health check', () => {
    expect(dockerfile).not.toMatch(/\|\|\s*true/);
    expect(instructions.filter((l) => l.startsWith('FROM '))).toHaveLength(2);
    const runtime = instructions.slice(instructions.findLastIndex((l) => l.startsWith('FROM ')));
    expect(runtime).toContain('USER node');
    expect(runtime.some((l) => l.startsWith('COPY --from=build'))).toBe(true);
    expect(runtime.some((l) => l.startsWith('RUN npm'))).toBe(false);
    expect(runtime.some((l) => l.startsWith('HEALTHCHECK ') && l.includes('/health'))).toBe(true);
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), {
    merge: true,
  }) as {
    services: Record<
      string,
      { depends_on?: Record<string, { condition: string }>; environment?: Record<string, string> }
    >;
  };
  it('starts the API and the workers only after the migration completed, listening on every interface of their container', () => {
    for (const name of ['api', 'worker'])
      expect(compose.services[name]!.depends_on, name).toMatchObject({
        migrate: { condition: 'service_completed_successfully' },
      });
    expect(compose.services['api']!.environment).toMatchObject({ API_HOST: '0.0.0.0' });
    expect(compose.services['worker']!.environment).toMatchObject({ WORKER_METRICS_HOST: '0.0.0.0' });
    expect(compose.services['worker']!.environment!['TOKEN_ENCRYPTION_KEY']).toMatch(/^\$\{TOKEN_ENCRYPTION_KEY:\?/);
  });
});

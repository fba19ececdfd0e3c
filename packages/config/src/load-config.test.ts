import { describe, expect, it } from 'vitest';
import { isGhlSyncError } from '@ghl-sync/errors';
import { loadConfig } from '@ghl-sync/config';

describe('loadConfig', () => {
  it('applies documented defaults to an empty environment', () => {
    const config = loadConfig({});
    expect(config.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/ghl_sync');
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.GHL_BASE_URL).toBe('https://services.leadconnectorhq.com');
    expect(config.RATE_LIMIT_MAX).toBe(100);
    expect(config.ADMIN_TOKEN).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('lists every problem at once, without echoing secret values', () => {
    let caught: unknown;
    try {
      loadConfig({
        DATABASE_URL: 'not a url',
        GHL_PAGE_SIZE: '500',
        WORKER_CONCURRENCY: 'many',
        LOG_LEVEL: 'loud',
        ADMIN_TOKEN: 'hunter2',
      });
    } catch (err) {
      caught = err;
    }
    expect(isGhlSyncError(caught, 'config_invalid')).toBe(true);
    const problems = (caught as { details: { problems: string[] } }).details.problems;
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'DATABASE_URL',
      'GHL_PAGE_SIZE',
      'LOG_LEVEL',
      'WORKER_CONCURRENCY',
    ]);
    expect(String((caught as Error).message)).not.toContain('hunter2');
  });

  it('lets overrides win over the environment and treats empty strings as unset', () => {
    const config = loadConfig({ WORKER_CONCURRENCY: '3', QUEUE_PREFIX: '' }, { WORKER_CONCURRENCY: 12 });
    expect(config.WORKER_CONCURRENCY).toBe(12);
    expect(config.QUEUE_PREFIX).toBe('ghl-sync');
  });
});

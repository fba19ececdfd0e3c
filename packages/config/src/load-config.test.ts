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

describe('REDIS_CLUSTER_NODES', () => {
  it('parses seed nodes, with TLS and credentials from URL entries', () => {
    expect(loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, 10.0.0.2:7001' }).REDIS_CLUSTER_NODES).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
      ],
      tls: false,
    });
    expect(
      loadConfig({ REDIS_CLUSTER_NODES: 'rediss://default:s%40cret@a.example:6379,rediss://b.example:6379' })
        .REDIS_CLUSTER_NODES,
    ).toEqual({
      nodes: [
        { host: 'a.example', port: 6379 },
        { host: 'b.example', port: 6379 },
      ],
      tls: true,
      username: 'default',
      password: 's@cret',
    });
    expect(loadConfig({}).REDIS_CLUSTER_NODES).toBeUndefined();
  });

  it('is exclusive with REDIS_URL: the error names both, beside every other problem', () => {
    let caught: unknown;
    try {
      loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_CLUSTER_NODES: '127.0.0.1:7000', GHL_PAGE_SIZE: '500' });
    } catch (err) {
      caught = err;
    }
    expect(isGhlSyncError(caught, 'config_invalid')).toBe(true);
    const problems = (caught as { details: { problems: string[] } }).details.problems;
    expect(problems).toHaveLength(2);
    expect(problems.find((p) => p.startsWith('REDIS_URL, REDIS_CLUSTER_NODES:'))).toBeDefined();
  });

  it('refuses malformed entries by position, never echoing an entry that may hold a password', () => {
    let caught: unknown;
    try {
      loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000,redis://user:hunter2@host,nohost' });
    } catch (err) {
      caught = err;
    }
    expect(isGhlSyncError(caught, 'config_invalid')).toBe(true);
    expect((caught as Error).message).toContain('REDIS_CLUSTER_NODES: entries 2, 3 must be host:port');
    expect((caught as Error).message).not.toContain('hunter2');
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'redis://a:1,rediss://b:2' })).toThrow(/every node is TLS or none/);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'redis://u:p1@a:1,redis://u:p2@b:2' })).toThrow(
      /different credentials/,
    );
    // The same credentials repeated, or given once, are fine.
    expect(
      loadConfig({ REDIS_CLUSTER_NODES: 'redis://u:p1@a:1,redis://u:p1@b:2,redis://c:3' }).REDIS_CLUSTER_NODES,
    ).toMatchObject({
      username: 'u',
      password: 'p1',
    });
  });
});

import { describe, expect, it } from 'vitest';
import { ERROR_CODES, GhlSyncError, isErrorCode, isGhlSyncError } from '@ghl-sync/errors';

describe('GhlSyncError', () => {
  it('takes its retryable flag from the registry unless overridden', () => {
    expect(new GhlSyncError('ghl_server_error', 'boom').retryable).toBe(true);
    expect(new GhlSyncError('pagination_stalled', 'stuck').retryable).toBe(false);
    expect(new GhlSyncError('ghl_server_error', 'last try', { retryable: false }).retryable).toBe(false);
  });

  it('serialises code, message and details without the cause', () => {
    const err = new GhlSyncError('run_already_active', 'busy', { details: { activeRunId: 7 }, cause: new Error('x') });
    expect(JSON.parse(JSON.stringify(err))).toEqual({
      name: 'GhlSyncError',
      code: 'run_already_active',
      message: 'busy',
      retryable: false,
      details: { activeRunId: 7 },
    });
    expect(isGhlSyncError(err, 'run_already_active')).toBe(true);
    expect(isGhlSyncError(err, 'ghl_timeout')).toBe(false);
  });

  it('recognises only registered codes', () => {
    expect(isErrorCode('pagination_stalled')).toBe(true);
    expect(isErrorCode('nope')).toBe(false);
    expect(Object.keys(ERROR_CODES).every((c) => /^[a-z0-9_]+$/.test(c))).toBe(true);
  });
});

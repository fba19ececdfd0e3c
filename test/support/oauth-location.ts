import { upsertLocation } from '@ghl-sync/db';
import type { TestStack } from './test-stack.js';

/**
 * Registers sandbox location `index` as an OAuth install whose access token lives `ttlSec` seconds,
 * both in the sandbox and in Postgres, with no schedule. Returns the sandbox's install (its tokens).
 */
export async function installOAuthLocation(stack: TestStack, index: number, ttlSec = 3_600) {
  const id = stack.sandbox.locations[index]!.id;
  const install = stack.sandbox.admin.createOAuthInstall(id, { accessTokenTtlSec: ttlSec });
  await upsertLocation(
    stack.database.db,
    {
      id,
      authType: 'oauth',
      accessToken: install.accessToken,
      refreshToken: install.refreshToken,
      tokenExpiresAt: new Date(Date.now() + ttlSec * 1000),
      scheduleCron: null,
    },
    stack.database.tokens,
  );
  return install;
}

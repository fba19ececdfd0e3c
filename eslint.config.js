// Lint rules that keep the architecture honest (see ../shared/reference/style.md):
// only packages/config reads process.env, only packages/db imports pg, apps never import other apps.
import tseslint from 'typescript-eslint';

const apps = ['@ghl-sync/worker', '@ghl-sync/api', '@ghl-sync/ghl-sandbox', '@ghl-sync/cli'];
const appImportBan = (self) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: [{ name: 'pg', message: 'All SQL lives in packages/db.' }],
      patterns: [
        {
          group: apps.filter((a) => a !== self),
          message: 'Apps do not import other apps; move shared code to a package.',
        },
      ],
    },
  ],
});

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.turbo/**', 'docs/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Only packages/config reads the environment.' },
      ],
      'no-restricted-imports': ['error', { paths: [{ name: 'pg', message: 'All SQL lives in packages/db.' }] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  { files: ['apps/worker/src/**/*.ts'], rules: appImportBan('@ghl-sync/worker') },
  // The API writes runs through the run lifecycle (`@ghl-sync/sync/runs`), location settings
  // through `@ghl-sync/sync/locations` and installs through `@ghl-sync/sync/installs` (Postgres and
  // queue producers only), so each is written once; the sync engine itself stays out of it.
  {
    files: ['apps/api/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'pg', message: 'All SQL lives in packages/db.' },
            {
              name: '@ghl-sync/sync',
              message:
                'The API may import only the run lifecycle, location settings and installs: @ghl-sync/sync/runs, @ghl-sync/sync/locations, @ghl-sync/sync/installs.',
            },
            // An install callback must exchange its short-lived code while the browser waits; every
            // other GHL call (syncs, refreshes, mints) belongs to the workers.
            {
              name: '@ghl-sync/ghl-client',
              allowImportNames: ['exchangeAuthorizationCode', 'OAuthTokenAnswer'],
              message: 'The API calls GHL only to exchange an install callback’s authorization code.',
            },
          ],
          patterns: [
            {
              group: apps.filter((a) => a !== '@ghl-sync/api'),
              message: 'Apps do not import other apps; move shared code to a package.',
            },
          ],
        },
      ],
    },
  },
  { files: ['apps/ghl-sandbox/src/**/*.ts'], rules: appImportBan('@ghl-sync/ghl-sandbox') },
  // The CLI is the one binary that composes the apps (`ghl-sync worker`, `ghl-sync api`, `ghl-sync sandbox`).
  {
    files: ['apps/cli/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'pg', message: 'All SQL lives in packages/db.' }] }],
    },
  },
  {
    // The environment's one reader, the database package, and test/bench harnesses that build their own envs and clients.
    files: [
      'packages/config/src/**/*.ts',
      'packages/testing/src/**/*.ts',
      'test/**/*.ts',
      'bench/**/*.ts',
      '**/*.test.ts',
      'apps/*/test/**/*.ts',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['**/*.test.ts', '**/test-support/**/*.ts', 'test/**/*.ts', 'apps/*/test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: [
      'packages/db/src/**/*.ts',
      'packages/testing/src/**/*.ts',
      'test/**/*.ts',
      'bench/**/*.ts',
      '**/*.test.ts',
      'apps/*/test/**/*.ts',
    ],
    rules: { 'no-restricted-imports': 'off' },
  },
);

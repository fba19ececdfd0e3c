/**
 * pino redaction paths: every place a token or credential could sit in a log object. Keys are
 * matched at the top level and one or two levels down (`*.x`, `*.*.x`), which covers
 * `{ location: { accessToken } }` and `{ req: { headers: { authorization } } }`.
 */
const SECRET_KEYS = [
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'authorization',
  'Authorization',
  'adminToken',
  'ADMIN_TOKEN',
  'password',
  'clientSecret',
  'client_secret',
  'GHL_OAUTH_CLIENT_SECRET',
  'TOKEN_ENCRYPTION_KEY',
  'TOKEN_ENCRYPTION_PREVIOUS_KEYS',
  'tokenKey',
  'OTEL_EXPORTER_OTLP_HEADERS',
] as const;

export const REDACT_PATHS: string[] = SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

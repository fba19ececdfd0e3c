/**
 * GHL-style error bodies. Shapes follow common-schemas.json (BadRequestDTO, UnauthorizedDTO,
 * UnprocessableDTO) and ghl-api.md §3; `traceId` is added when the body is sent.
 */

/** Any JSON error body. */
export type ErrorBody = Record<string, unknown>;

/** 401 for a missing or unknown token — the spec's UnauthorizedDTO example (ghl-api.md §3 [C S2]). */
export function invalidTokenBody(): ErrorBody {
  return { statusCode: 401, message: 'Invalid token: access token is invalid', error: 'Unauthorized' };
}

/** 401 for an expired OAuth access token; observed bodies lack `error` (ghl-api.md §3 [O S24]). */
export function invalidJwtBody(): ErrorBody {
  return { statusCode: 401, message: 'Invalid JWT' };
}

/** 401 for an agency (Company) token on a location endpoint (ghl-api.md §3 [O S23, S24]). */
export function authClassBody(): ErrorBody {
  return {
    statusCode: 401,
    message: 'This authClass type is not allowed to access this scope.',
    error: 'Unauthorized',
  };
}

/** 403 for a valid token used on another location (ghl-api.md §3 [O S23, S24]). */
export function forbiddenLocationBody(): ErrorBody {
  return { statusCode: 403, message: 'The token does not have access to this location.', error: 'Forbidden' };
}

/** 400 BadRequestDTO `{statusCode, message}` (common-schemas.json). */
export function badRequestBody(message: string): ErrorBody {
  return { statusCode: 400, message };
}

/** 422 UnprocessableDTO: NestJS validation, one message per violated rule (ghl-api.md §3). */
export function unprocessableBody(messages: string[]): ErrorBody {
  return { statusCode: 422, message: messages, error: 'Unprocessable Entity' };
}

/** 429 body. No schema is documented; NestJS-style is our inference (ghl-api.md §3 [I]). */
export function tooManyRequestsBody(): ErrorBody {
  return { statusCode: 429, message: 'Too many requests' };
}

/** 404 NotFoundDTO-style body (v3 common schemas, ghl-api.md §3 [C S9]). */
export function notFoundBody(message: string): ErrorBody {
  return { statusCode: 404, message };
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  409: 'Conflict',
  422: 'Unprocessable Entity',
  429: 'Too many requests',
  // The 500 message is the one seen on a real GHL endpoint (ghl-api.md §3 [C S14 #6]).
  500: 'Internal server error',
  // 502/503/504: nothing GHL-specific is public; NestJS-style bodies are our inference.
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** A plausible GHL body for any status (used by fault knobs). */
export function errorBodyForStatus(status: number): ErrorBody {
  switch (status) {
    case 401:
      return invalidJwtBody();
    case 403:
      return forbiddenLocationBody();
    case 422:
      return unprocessableBody(['Unprocessable Entity']);
    case 429:
      return tooManyRequestsBody();
    default:
      return { statusCode: status, message: REASONS[status] ?? 'Error' };
  }
}

/** OAuth-endpoint error body `{error, error_description}` (ghl-api.md §3 [H S24]). */
export function oauthErrorBody(error: string, description: string): ErrorBody {
  return { error, error_description: description };
}

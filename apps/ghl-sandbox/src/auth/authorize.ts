import { SandboxAdminError, type SandboxState } from '../sandbox-state.js';

/** An approval on the chooselocation page (or its admin twin). */
export interface AuthorizeRequest {
  /** `Location`: one sub-account approves; `Company`: the agency approves for its locations. */
  userType: 'Location' | 'Company';
  /** The approving sub-account (Location). */
  locationId?: string;
  /** The approving agency (Company). @defaultValue the sandbox's company */
  companyId?: string;
  /** Company installs: the locations chosen. @defaultValue every location of the agency */
  locationIds?: string[];
  /** Company installs: also install on locations created later. @defaultValue false */
  installToFutureLocations?: boolean;
  /** Where the browser goes back to; echoed into the redirect with `code` and `state`. */
  redirectUri?: string;
  /** Opaque value the client bound to its install request; echoed back unchanged. */
  state?: string;
}

/** The result: the single-use code and, when a redirect URI was given, the redirect URL. */
export interface AuthorizeResult {
  code: string;
  companyId: string;
  approvedLocations: string[];
  redirect?: string;
}

/**
 * Approves an install (ghl-api.md §5.1): installs the app on the chosen locations and issues a
 * single-use authorization code for the token class asked for. Throws a 400/404
 * {@link SandboxAdminError} for unknown or foreign locations.
 */
export function authorize(state: SandboxState, request: AuthorizeRequest, nowMs: number): AuthorizeResult {
  let companyId: string;
  let approved: string[];
  if (request.userType === 'Location') {
    if (request.locationId === undefined)
      throw new SandboxAdminError(400, 'locationId is required for a Location install');
    const runtime = state.location(request.locationId);
    companyId = runtime.companyId;
    approved = [runtime.id];
  } else {
    companyId = request.companyId ?? state.config.companyId;
    const own = new Set(state.companyLocations(companyId).map((l) => l.id));
    approved = request.locationIds ?? [...own];
    const foreign = approved.filter((id) => !own.has(id));
    if (foreign.length > 0)
      throw new SandboxAdminError(400, `not locations of company ${companyId}: ${foreign.join(', ')}`);
    if (request.installToFutureLocations !== undefined)
      state.installs.setInstallToFuture(companyId, request.installToFutureLocations);
  }
  state.installs.install(companyId, approved);
  const ownerId = request.userType === 'Location' ? approved[0]! : companyId;
  const { code } = state.tokens.issueCode(
    {
      authClass: request.userType,
      ownerId,
      companyId,
      approvedLocations: approved,
      ...(request.redirectUri !== undefined && { redirectUri: request.redirectUri }),
    },
    nowMs,
  );
  const result: AuthorizeResult = { code, companyId, approvedLocations: approved };
  if (request.redirectUri !== undefined) {
    const url = new URL(request.redirectUri);
    url.searchParams.set('code', code);
    if (request.state !== undefined) url.searchParams.set('state', request.state);
    result.redirect = url.toString();
  }
  return result;
}

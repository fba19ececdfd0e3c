/**
 * Per-route `config` that opens a route to callers without the admin credential. Routes are
 * protected unless they opt out, so a route someone adds later is never open by accident.
 */
export interface RouteAccessConfig {
  /** Open route (health, readiness, Prometheus scrape). @defaultValue false */
  public?: boolean;
}

/** `config` value for an open route. */
export const PUBLIC_ROUTE: RouteAccessConfig = { public: true };

/** Path prefix of the Bull Board dashboard. */
export const DASHBOARD_PREFIX = '/admin/queues';

/** Realm of the dashboard's Basic challenge; browsers show it in their login prompt. */
export const AUTH_REALM = 'ghl-sync';

-- Up Migration
-- Marketplace-app installs by an agency (docs/oauth.md, "Onboard an agency"). An agency approves the
-- app once; its Company token (refreshable, single-use rotating refresh tokens like a location's)
-- mints a Location token for each sub-account the app is installed on (POST /oauth/locationToken,
-- ghl-api.md §5.2). Tokens are sealed by the application (packages/secrets), as on ghl.locations.
CREATE TABLE ghl.agencies (
  -- GHL's companyId.
  id                      text PRIMARY KEY,
  name                    text,
  access_token            text NOT NULL,
  refresh_token           text NOT NULL,
  token_expires_at        timestamptz NOT NULL,
  -- Fencing of refreshes, as on ghl.locations (1764403100000_oauth-refresh-fencing.sql).
  token_generation        bigint NOT NULL DEFAULT 0,
  refresh_sent_generation bigint,
  needs_reconnect         boolean NOT NULL DEFAULT false,
  reconnect_reason        text,
  -- The install covers sub-accounts created later (`installToFutureLocations`, ghl-api.md §5.1).
  install_to_future       boolean NOT NULL DEFAULT false,
  -- Last time the installed locations were listed and compared with ghl.locations.
  reconciled_at           timestamptz,
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT agencies_tokens_encrypted CHECK (access_token LIKE 'v1:%' AND refresh_token LIKE 'v1:%')
);

-- 'agency': the location's token is minted from its agency's Company token (no refresh token).
ALTER TABLE ghl.locations DROP CONSTRAINT locations_auth_type_check;
ALTER TABLE ghl.locations ADD CONSTRAINT locations_auth_type_check CHECK (auth_type IN ('pit', 'oauth', 'agency'));
ALTER TABLE ghl.locations ADD COLUMN agency_id text REFERENCES ghl.agencies (id) ON DELETE SET NULL;
-- Set when the app was removed from the location (UNINSTALL webhook, or the reconcile no longer
-- lists it): no schedule, no request; its rows are kept. Cleared when it is installed again.
ALTER TABLE ghl.locations ADD COLUMN uninstalled_at timestamptz;
ALTER TABLE ghl.locations ADD COLUMN uninstall_reason text;
CREATE INDEX locations_agency ON ghl.locations (agency_id) WHERE agency_id IS NOT NULL;

-- One row per `GET /oauth/install`: the callback must bring back its state, once, before it
-- expires. Only a hash of the state is stored.
CREATE TABLE ghl.oauth_install_states (
  state_hash  text PRIMARY KEY,
  user_type   text NOT NULL CHECK (user_type IN ('Company', 'Location')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);

-- The app's own webhooks (INSTALL / UNINSTALL) are stored like the others. `app_event`: acted
-- upon (a reconcile enqueued, a location or agency uninstalled); `ignored_unknown_agency`: an
-- INSTALL under an agency that never installed the app here (it has no token to mint with).
ALTER TABLE ghl.webhook_events DROP CONSTRAINT webhook_events_outcome_check;
ALTER TABLE ghl.webhook_events ADD CONSTRAINT webhook_events_outcome_check CHECK (outcome IN
  ('accepted', 'ignored_unknown_location', 'ignored_type', 'app_event', 'ignored_unknown_agency'));

-- Down Migration
DELETE FROM ghl.webhook_events WHERE outcome IN ('app_event', 'ignored_unknown_agency');
ALTER TABLE ghl.webhook_events DROP CONSTRAINT webhook_events_outcome_check;
ALTER TABLE ghl.webhook_events ADD CONSTRAINT webhook_events_outcome_check CHECK (outcome IN
  ('accepted', 'ignored_unknown_location', 'ignored_type'));
DROP TABLE ghl.oauth_install_states;
DROP INDEX ghl.locations_agency;
ALTER TABLE ghl.locations DROP COLUMN uninstall_reason;
ALTER TABLE ghl.locations DROP COLUMN uninstalled_at;
ALTER TABLE ghl.locations DROP COLUMN agency_id;
ALTER TABLE ghl.locations DROP CONSTRAINT locations_auth_type_check;
ALTER TABLE ghl.locations ADD CONSTRAINT locations_auth_type_check CHECK (auth_type IN ('pit', 'oauth'));
DROP TABLE ghl.agencies;

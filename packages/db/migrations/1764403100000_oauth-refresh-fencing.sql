-- Up Migration
-- Fencing for OAuth refreshes (refresh tokens are single use). token_generation is bumped by every
-- save of a location's credential: a save that names an older generation is refused, so a process
-- whose refresh answered late never overwrites a newer pair. refresh_sent_generation records that
-- the refresh token of that generation was sent to GHL: if no new pair was saved since, its
-- outcome is unknown and it must not be sent again.
ALTER TABLE ghl.locations ADD COLUMN token_generation bigint NOT NULL DEFAULT 0;
ALTER TABLE ghl.locations ADD COLUMN refresh_sent_generation bigint;

-- Each OAuth recovery step of a location (a refresh whose outcome is unknown, a reconnect, a
-- refusal), as `ghl-sync runs show` lists it. Never holds a token.
CREATE TABLE ghl.oauth_events (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  location_id  text NOT NULL REFERENCES ghl.locations (id) ON DELETE CASCADE,
  kind         text NOT NULL,
  detail       text,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX oauth_events_location_time ON ghl.oauth_events (location_id, created_at);

-- Down Migration
DROP TABLE ghl.oauth_events;
ALTER TABLE ghl.locations DROP COLUMN refresh_sent_generation;
ALTER TABLE ghl.locations DROP COLUMN token_generation;

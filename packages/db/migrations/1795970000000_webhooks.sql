-- Up Migration
-- Signed GHL webhooks keep a location fresh between full runs; the full run becomes the
-- reconciliation. `webhooks` says GHL sends this location's opportunity events to ghl-sync.
ALTER TABLE ghl.locations ADD COLUMN webhooks boolean NOT NULL DEFAULT false;

-- Whether the location had webhooks on when the run opened, and then the run's drift: rows it had
-- to insert, move to a newer GHL version, revive or tombstone although webhooks were on (what
-- webhooks missed). NULL for runs of locations without webhooks.
ALTER TABLE ghl.sync_runs ADD COLUMN webhooks boolean NOT NULL DEFAULT false;
ALTER TABLE ghl.sync_runs ADD COLUMN drift integer;
-- Per page: rows inserted, revived or moved to a different GHL updatedAt (the page's share of drift).
ALTER TABLE ghl.sync_run_pages ADD COLUMN newer integer NOT NULL DEFAULT 0;

-- Every webhook delivery ghl-sync answered 200 to, stored before the answer (GHL does not retry a
-- 200). WARNING: outcome and apply_outcome values are read by dashboards; add, never rename.
CREATE TABLE ghl.webhook_events (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- GHL's `webhookId`: a second delivery of the same id is a duplicate.
  webhook_id       text NOT NULL UNIQUE,
  type             text NOT NULL,
  location_id      text,
  opportunity_id   text,
  -- The envelope's `timestamp` (when GHL sent the event).
  event_at         timestamptz,
  received_at      timestamptz NOT NULL DEFAULT now(),
  signature_scheme text NOT NULL CHECK (signature_scheme IN ('ed25519', 'rsa')),
  outcome          text NOT NULL CHECK (outcome IN ('accepted', 'ignored_unknown_location', 'ignored_type')),
  -- What applying it did, once applied: the row's fate.
  applied_at       timestamptz,
  apply_outcome    text CHECK (apply_outcome IN ('inserted', 'updated', 'unchanged', 'tombstoned', 'not_found')),
  payload          jsonb NOT NULL
);
CREATE INDEX webhook_events_location_received ON ghl.webhook_events (location_id, received_at);

-- Down Migration
DROP TABLE ghl.webhook_events;
ALTER TABLE ghl.sync_run_pages DROP COLUMN newer;
ALTER TABLE ghl.sync_runs DROP COLUMN drift;
ALTER TABLE ghl.sync_runs DROP COLUMN webhooks;
ALTER TABLE ghl.locations DROP COLUMN webhooks;

-- Up Migration
-- Drift counts what webhooks missed, not what they are still bringing: a row a run writes or
-- tombstones while a received event of that opportunity waits to be applied is not drift (its
-- record job is coming). The sweep's share of such tombstones, which `deleted` also counts:
ALTER TABLE ghl.sync_runs ADD COLUMN deleted_announced integer NOT NULL DEFAULT 0;
-- The lookup every page write and sweep tombstone makes: events of one opportunity still waiting.
CREATE INDEX webhook_events_pending ON ghl.webhook_events (location_id, opportunity_id)
  WHERE outcome = 'accepted' AND applied_at IS NULL;

-- Down Migration
DROP INDEX ghl.webhook_events_pending;
ALTER TABLE ghl.sync_runs DROP COLUMN deleted_announced;

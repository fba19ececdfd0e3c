-- Up Migration
-- Drift needs a baseline taken while webhooks were on: a run completed before webhooks were
-- turned off and on again does not count, since the changes made in between were never sent.
-- Set by a trigger, so every path that turns webhooks on (locations add/update, the API, an
-- upsert) records it.
ALTER TABLE ghl.locations ADD COLUMN webhooks_on_since timestamptz;
-- Locations with webhooks on today keep the baselines they have.
UPDATE ghl.locations SET webhooks_on_since = '-infinity' WHERE webhooks;

CREATE FUNCTION ghl.locations_webhooks_on_since() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.webhooks AND (TG_OP = 'INSERT' OR NOT OLD.webhooks) THEN
    NEW.webhooks_on_since := now();
  ELSIF NOT NEW.webhooks THEN
    NEW.webhooks_on_since := NULL;
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER locations_webhooks_on_since BEFORE INSERT OR UPDATE OF webhooks ON ghl.locations
  FOR EACH ROW EXECUTE FUNCTION ghl.locations_webhooks_on_since();

-- Down Migration
DROP TRIGGER locations_webhooks_on_since ON ghl.locations;
DROP FUNCTION ghl.locations_webhooks_on_since();
ALTER TABLE ghl.locations DROP COLUMN webhooks_on_since;

-- Up Migration
-- Records pass 1 listed without a usable id: the sweep cannot tell which rows they are, so it is
-- refused while any were seen.
ALTER TABLE ghl.sync_runs ADD COLUMN listed_without_id integer NOT NULL DEFAULT 0;
-- How many times recovery re-enqueued this run's jobs after they vanished (a Redis wipe); part of
-- the job ids so recovered jobs never collide with lost ones.
ALTER TABLE ghl.sync_runs ADD COLUMN recoveries integer NOT NULL DEFAULT 0;

-- Down Migration
ALTER TABLE ghl.sync_runs DROP COLUMN recoveries;
ALTER TABLE ghl.sync_runs DROP COLUMN listed_without_id;

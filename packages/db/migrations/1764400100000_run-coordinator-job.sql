-- Up Migration
-- The coordinator's BullMQ job id, so recovery can tell a run whose coordinator died from one that
-- is merely waiting (scheduled fires get generated job ids).
ALTER TABLE ghl.sync_runs ADD COLUMN coordinator_job_id text;

-- Down Migration
ALTER TABLE ghl.sync_runs DROP COLUMN coordinator_job_id;

-- Up Migration
-- The verification cap (SWEEP_VERIFY_MAX, lowered by SWEEP_VERIFY_BUDGET_SHARE) in force when the
-- sweep counted its candidates, kept with the count: `runs show` says "52 candidates, above
-- SWEEP_VERIFY_MAX 20: not verified" from the run itself, not from today's configuration.
-- NULL before the sweep counted, and on runs from before this column.
ALTER TABLE ghl.sync_runs ADD COLUMN sweep_verify_max integer;

-- Down Migration
ALTER TABLE ghl.sync_runs DROP COLUMN sweep_verify_max;

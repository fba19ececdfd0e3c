-- Up Migration
-- Pass 1 may list the location as several disjoint partitions (documented search filters), each its
-- own cursor chain. A page keeps its partition's filter so its page job re-fetches the same range;
-- NULL = the whole, unfiltered listing. chain_page_no is the page's position within its partition.
ALTER TABLE ghl.sync_run_pages ADD COLUMN partition_filter jsonb;
ALTER TABLE ghl.sync_run_pages ADD COLUMN chain_page_no integer;

-- How pass 1 listed: the partitions and chain count chosen, or why it used a single chain.
-- Written once per run before the first page is recorded, so a restarted coordinator resumes the
-- same plan.
ALTER TABLE ghl.sync_runs ADD COLUMN listing_plan jsonb;
-- The sweep confirms candidates with GET /opportunities/{id} before tombstoning them.
ALTER TABLE ghl.sync_runs ADD COLUMN sweep_candidates integer;
ALTER TABLE ghl.sync_runs ADD COLUMN sweep_verified_gone integer NOT NULL DEFAULT 0;
ALTER TABLE ghl.sync_runs ADD COLUMN sweep_verified_alive integer NOT NULL DEFAULT 0;

-- Down Migration
ALTER TABLE ghl.sync_runs DROP COLUMN sweep_verified_alive;
ALTER TABLE ghl.sync_runs DROP COLUMN sweep_verified_gone;
ALTER TABLE ghl.sync_runs DROP COLUMN sweep_candidates;
ALTER TABLE ghl.sync_runs DROP COLUMN listing_plan;
ALTER TABLE ghl.sync_run_pages DROP COLUMN chain_page_no;
ALTER TABLE ghl.sync_run_pages DROP COLUMN partition_filter;

-- Up Migration
-- WARNING: status values, trigger values and error codes are read by operators' dashboards and by
-- ghl-sync itself; add new values, never rename.

CREATE SCHEMA IF NOT EXISTS ghl;

-- A GHL sub-account ghl-sync mirrors, with the credential used for it.
CREATE TABLE ghl.locations (
  id                text PRIMARY KEY,
  name              text,
  auth_type         text NOT NULL DEFAULT 'pit' CHECK (auth_type IN ('pit', 'oauth')),
  access_token      text NOT NULL,
  refresh_token     text,
  token_expires_at  timestamptz,
  needs_reconnect   boolean NOT NULL DEFAULT false,
  reconnect_reason  text,
  schedule_cron     text DEFAULT '*/30 * * * *',
  schedule_tz       text NOT NULL DEFAULT 'UTC',
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ghl.sync_runs (
  id                   integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  location_id          text NOT NULL REFERENCES ghl.locations (id) ON DELETE CASCADE,
  trigger              text NOT NULL,
  mode                 text NOT NULL DEFAULT 'full' CHECK (mode IN ('full', 'resync')),
  status               text NOT NULL DEFAULT 'queued' CHECK (status IN
                         ('queued', 'listing', 'sweeping', 'writing',
                          'completed', 'completed_without_sweep', 'failed', 'cancelled', 'timed_out')),
  allow_mass_delete    boolean NOT NULL DEFAULT false,
  started_at           timestamptz NOT NULL DEFAULT now(),
  listing_finished_at  timestamptz,
  finished_at          timestamptz,
  deadline_at          timestamptz,
  listed               integer NOT NULL DEFAULT 0,
  reported_total       integer,
  pages                integer NOT NULL DEFAULT 0,
  inserted             integer NOT NULL DEFAULT 0,
  updated              integer NOT NULL DEFAULT 0,
  unchanged            integer NOT NULL DEFAULT 0,
  deleted              integer NOT NULL DEFAULT 0,
  duplicates           integer NOT NULL DEFAULT 0,
  record_errors        integer NOT NULL DEFAULT 0,
  failed_pages         integer NOT NULL DEFAULT 0,
  api_calls            integer NOT NULL DEFAULT 0,
  listing_api_calls    integer NOT NULL DEFAULT 0,
  sweep_status         text NOT NULL DEFAULT 'pending' CHECK (sweep_status IN ('pending', 'done', 'skipped')),
  cancel_requested     boolean NOT NULL DEFAULT false,
  error_code           text,
  error                text
);
-- One active run per location: a second request is told the first run's id.
CREATE UNIQUE INDEX sync_runs_one_active_per_location ON ghl.sync_runs (location_id)
  WHERE status IN ('queued', 'listing', 'sweeping', 'writing');
CREATE INDEX sync_runs_location_recent ON ghl.sync_runs (location_id, id DESC);

-- One row per listed page: its key range (start cursor exclusive, end key inclusive) and its counts.
CREATE TABLE ghl.sync_run_pages (
  run_id          integer NOT NULL REFERENCES ghl.sync_runs (id) ON DELETE CASCADE,
  page_no         integer NOT NULL,
  start_after     bigint,
  start_after_id  text,
  end_after       bigint,
  end_after_id    text,
  next_after      bigint,
  next_after_id   text,
  is_last         boolean NOT NULL DEFAULT false,
  listed          integer NOT NULL DEFAULT 0,
  status          text NOT NULL DEFAULT 'listed' CHECK (status IN ('listed', 'running', 'done', 'failed')),
  fetched         integer NOT NULL DEFAULT 0,
  inserted        integer NOT NULL DEFAULT 0,
  updated         integer NOT NULL DEFAULT 0,
  unchanged       integer NOT NULL DEFAULT 0,
  duplicates      integer NOT NULL DEFAULT 0,
  record_errors   integer NOT NULL DEFAULT 0,
  api_calls       integer NOT NULL DEFAULT 0,
  attempts        integer NOT NULL DEFAULT 0,
  error_code      text,
  error           text,
  listed_at       timestamptz NOT NULL DEFAULT now(),
  started_at      timestamptz,
  finished_at     timestamptz,
  PRIMARY KEY (run_id, page_no)
);

-- The ids pass 1 saw, per run: the mark half of mark-and-sweep. Emptied when the run ends.
CREATE TABLE ghl.sync_run_marks (
  run_id          integer NOT NULL,
  opportunity_id  text NOT NULL,
  PRIMARY KEY (run_id, opportunity_id)
);

-- Record-level problems (never fatal): the seed script's "individual opportunity error tracking".
CREATE TABLE ghl.sync_run_errors (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id          integer NOT NULL REFERENCES ghl.sync_runs (id) ON DELETE CASCADE,
  page_no         integer,
  opportunity_id  text,
  code            text NOT NULL,
  message         text NOT NULL,
  raw             jsonb,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sync_run_errors_run ON ghl.sync_run_errors (run_id, page_no);

CREATE TABLE ghl.opportunities (
  id                     text PRIMARY KEY,
  location_id            text NOT NULL,
  name                   text,
  monetary_value         numeric,
  status                 text,
  pipeline_id            text,
  pipeline_stage_id      text,
  contact_id             text,
  assigned_to            text,
  source                 text,
  lost_reason_id         text,
  created_at             timestamptz,
  updated_at             timestamptz,
  last_status_change_at  timestamptz,
  last_stage_change_at   timestamptz,
  custom_fields          jsonb,
  raw                    jsonb NOT NULL,
  deleted_at             timestamptz,
  last_seen_run_id       integer,
  synced_at              timestamptz NOT NULL DEFAULT now()
) WITH (fillfactor = 90);  -- room for HOT updates of last_seen_run_id in pass 1
CREATE INDEX opportunities_location_live ON ghl.opportunities (location_id) WHERE deleted_at IS NULL;
CREATE INDEX opportunities_tombstones ON ghl.opportunities (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE ghl.contacts (
  id            text PRIMARY KEY,
  location_id   text NOT NULL,
  name          text,
  company_name  text,
  email         text,
  phone         text,
  tags          jsonb,
  raw           jsonb NOT NULL,
  synced_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contacts_location ON ghl.contacts (location_id);

CREATE TABLE ghl.pipelines (
  id           text PRIMARY KEY,
  location_id  text NOT NULL,
  name         text,
  raw          jsonb NOT NULL,
  synced_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ghl.pipeline_stages (
  id           text PRIMARY KEY,
  pipeline_id  text NOT NULL REFERENCES ghl.pipelines (id) ON DELETE CASCADE,
  location_id  text NOT NULL,
  name         text,
  position     integer,
  raw          jsonb NOT NULL,
  synced_at    timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP SCHEMA ghl CASCADE;

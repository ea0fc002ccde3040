-- Availability of customer environments (SLA-SEMANTICS §6): what is monitored, probe results
-- at three resolutions, outages and their classification, announced planned maintenance, the
-- mail outbox that carries announcements, and the leases that let one instance run a job.
-- Instants are milliseconds since 1970 UTC; booleans are 0/1.

CREATE TABLE environments (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (org_id, name)
);

-- org_id repeats the environment's, so every scoped query filters one table.
CREATE TABLE monitors (
    id INTEGER PRIMARY KEY,
    environment_id INTEGER NOT NULL REFERENCES environments(id),
    org_id INTEGER NOT NULL REFERENCES organizations(id),
    kind TEXT NOT NULL CHECK (kind IN ('http', 'tcp', 'push')),
    target TEXT NOT NULL,
    expected_status INTEGER,
    keyword TEXT,
    latency_limit_ms INTEGER,
    interval_s INTEGER NOT NULL CHECK (interval_s >= 10),
    fail_after INTEGER NOT NULL CHECK (fail_after >= 1),
    recover_after INTEGER NOT NULL CHECK (recover_after >= 1),
    push_token_hash TEXT UNIQUE,
    detector_state TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);
CREATE INDEX monitors_environment ON monitors(environment_id, id);

-- Probe results at three resolutions. Sizes for 100 monitors probed every 30 seconds, a
-- year after the first probe: see docs/BENCHMARKS.md ("Probe storage").
--
-- Raw results, kept 48 hours. One row per probe; the key makes recording idempotent and is
-- the only index. `detail` is NULL for a passing probe and the reason ('' if none was given)
-- for a failed one: it is the result. The columns are ordered, and sized, so a row has no
-- padding on PostgreSQL.
CREATE TABLE probe_results (
    monitor_id INTEGER NOT NULL REFERENCES monitors(id),
    latency_ms INTEGER NOT NULL,
    at INTEGER NOT NULL,
    detail TEXT,
    PRIMARY KEY (monitor_id, at)
) WITHOUT ROWID;

-- Per UTC minute, kept 30 days: one row per monitor and UTC hour (`hour_start`), whose
-- `minutes` holds 60 fixed-size cells (probes, failures, latency sum and maximum; layout in
-- crates/store/src/packed.rs), updated in place as probes come in.
CREATE TABLE probe_minutes (
    monitor_id INTEGER NOT NULL REFERENCES monitors(id),
    hour_start INTEGER NOT NULL,
    minutes BLOB NOT NULL,
    PRIMARY KEY (monitor_id, hour_start)
) WITHOUT ROWID;

-- Per local clock hour, kept for good: one row per monitor and local day (`day`, the local
-- date as YYYYMMDD), whose `hours` holds one fixed-size cell per local hour of that day (23,
-- 24 or 25; probes, failures, down seconds, latency sum and maximum, UTC offset) starting at
-- `day_start`, the UTC instant of the local midnight.
CREATE TABLE probe_hours (
    monitor_id INTEGER NOT NULL REFERENCES monitors(id),
    day_start INTEGER NOT NULL,
    day INTEGER NOT NULL,
    hours BLOB NOT NULL,
    PRIMARY KEY (monitor_id, day)
) WITHOUT ROWID;

CREATE TABLE outages (
    id INTEGER PRIMARY KEY,
    environment_id INTEGER NOT NULL REFERENCES environments(id),
    monitor_id INTEGER REFERENCES monitors(id),
    org_id INTEGER NOT NULL REFERENCES organizations(id),
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    source TEXT NOT NULL CHECK (source IN ('probe', 'manual')),
    cause TEXT,
    classified_by INTEGER REFERENCES people(id),
    classified_at INTEGER,
    classification_reason TEXT,
    created_at INTEGER NOT NULL,
    created_by INTEGER REFERENCES people(id),
    reason TEXT,
    corrected_by INTEGER REFERENCES people(id),
    corrected_at INTEGER,
    correction_reason TEXT
);
CREATE INDEX outages_environment ON outages(environment_id, started_at);
-- A monitor has at most one open outage of its own.
CREATE UNIQUE INDEX outages_open_probe ON outages(monitor_id)
    WHERE ended_at IS NULL AND source = 'probe';

CREATE TABLE maintenance (
    id INTEGER PRIMARY KEY,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    description TEXT NOT NULL,
    announced_at INTEGER NOT NULL,
    announced_by INTEGER REFERENCES people(id),
    notice_ok INTEGER NOT NULL,
    cancelled_at INTEGER,
    cancelled_by INTEGER REFERENCES people(id),
    CHECK (starts_at < ends_at)
);
CREATE INDEX maintenance_starts ON maintenance(starts_at);

CREATE TABLE maintenance_targets (
    maintenance_id INTEGER NOT NULL REFERENCES maintenance(id),
    environment_id INTEGER NOT NULL REFERENCES environments(id),
    org_id INTEGER NOT NULL REFERENCES organizations(id),
    PRIMARY KEY (maintenance_id, environment_id)
);
CREATE INDEX maintenance_targets_org ON maintenance_targets(org_id, maintenance_id);

CREATE TABLE mail_outbox (
    id INTEGER PRIMARY KEY,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    sent_at INTEGER,
    failed_at INTEGER,
    lease_owner TEXT,
    lease_until INTEGER
);
-- Only mail still to be sent is looked for.
CREATE INDEX mail_outbox_due ON mail_outbox(next_attempt_at, id)
    WHERE sent_at IS NULL AND failed_at IS NULL;

CREATE TABLE job_leases (
    name TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    lease_until INTEGER NOT NULL
);

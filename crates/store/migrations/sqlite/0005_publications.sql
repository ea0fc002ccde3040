-- Published monthly reports are frozen: the body exactly as published and its SHA-256.
-- A report is about one customer (org_id) or all customers together (org_id NULL);
-- scope_key is the org id, or 0 for all customers, so each month is published once per scope.
CREATE TABLE published_reports (
    id INTEGER PRIMARY KEY,
    month TEXT NOT NULL,
    org_id INTEGER REFERENCES organizations(id),
    scope_key INTEGER NOT NULL,
    body TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    published_by INTEGER NOT NULL REFERENCES people(id),
    UNIQUE (scope_key, month)
);

-- Why an incident overran its target, recorded by the vendor's staff for the report and the
-- incident consultation (SLA §6.2).
ALTER TABLE tickets ADD COLUMN miss_reason TEXT;
ALTER TABLE tickets ADD COLUMN miss_reason_by INTEGER REFERENCES people(id);
ALTER TABLE tickets ADD COLUMN miss_reason_at INTEGER;

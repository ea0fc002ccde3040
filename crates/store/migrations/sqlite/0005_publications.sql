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

-- The figures of monthly reports, kept up to date with every change of a ticket's targets
-- (in the same transaction): a report reads a few hundred rows, however many tickets it
-- covers. A target counts in the month its outcome was decided (SLA-SEMANTICS §4), a
-- month in Europe/Amsterdam keyed YYYYMM; bound 0 of incidents is also counted per
-- twelfth of the ticket's own 100% bound it took (bin 0–11, 12 beyond it; -1 otherwise).
ALTER TABLE ticket_targets ADD COLUMN priority TEXT;
ALTER TABLE ticket_targets ADD COLUMN decided_month INTEGER;
ALTER TABLE ticket_targets ADD COLUMN bin INTEGER;
ALTER TABLE ticket_targets ADD COLUMN org_id INTEGER REFERENCES organizations(id);
UPDATE ticket_targets SET org_id = (SELECT t.org_id FROM tickets t WHERE t.id = ticket_targets.ticket_id);
CREATE TABLE report_totals (
    month INTEGER NOT NULL,
    org_id INTEGER NOT NULL REFERENCES organizations(id),
    kind TEXT NOT NULL,
    priority TEXT NOT NULL,
    bound INTEGER NOT NULL,
    percent_bp INTEGER NOT NULL,
    within TEXT NOT NULL,
    outcome TEXT NOT NULL,
    bin INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (month, org_id, kind, priority, bound, percent_bp, within, outcome, bin)
);
-- The missed targets of a month, for the report's list; decided targets not yet counted
-- (written before this migration), for the clock refresher to count.
DROP INDEX ticket_targets_decided;
CREATE INDEX ticket_targets_missed ON ticket_targets(decided_at) WHERE outcome = 'missed';
CREATE INDEX ticket_targets_missed_org ON ticket_targets(org_id, decided_at)
    WHERE outcome = 'missed';
CREATE INDEX ticket_targets_uncounted ON ticket_targets(ticket_id)
    WHERE outcome <> 'running' AND decided_month IS NULL;

-- Compensation (SLA §6.2, SLA-RULES §7): a customer's escalations, each an append-only history
-- of steps, and the discount ledger, which the database itself keeps append-only.

-- One escalation per request for an interim incident consultation. ended_at is set by the step
-- that ends it; at most one escalation per customer is running at a time.
CREATE TABLE escalations (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id),
    opened_at INTEGER NOT NULL,
    ended_at INTEGER
);
CREATE UNIQUE INDEX escalations_running ON escalations(org_id) WHERE ended_at IS NULL;
CREATE INDEX escalations_org ON escalations(org_id, id);

-- The steps of an escalation in order (seq 1, 2, …): request, consultation, follow_up, claim,
-- month (a complete month after the claim), ended. What the step recorded is JSON in detail;
-- month_key is the month a `month` step decided (YYYYMM), so a month is processed once.
CREATE TABLE escalation_steps (
    id INTEGER PRIMARY KEY,
    escalation_id INTEGER NOT NULL REFERENCES escalations(id),
    org_id INTEGER NOT NULL REFERENCES organizations(id),
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    at INTEGER NOT NULL,
    actor_id INTEGER REFERENCES people(id),
    month_key INTEGER,
    detail TEXT NOT NULL,
    UNIQUE (escalation_id, seq)
);
CREATE UNIQUE INDEX escalation_steps_month ON escalation_steps(escalation_id, month_key)
    WHERE month_key IS NOT NULL;
CREATE INDEX escalation_steps_org ON escalation_steps(org_id, escalation_id, seq);

-- The ledger: a discount on one monthly subscription invoice (month YYYY-MM), with the fee in
-- force then and the amount (percent of the fee, rounded half to even), the overrun month it
-- rests on and the SHA-256 of the published report that shows it (NULL: live figures).
CREATE TABLE discount_entries (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id),
    escalation_id INTEGER NOT NULL REFERENCES escalations(id),
    invoice_month TEXT NOT NULL,
    percent INTEGER NOT NULL,
    fee_cents INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL,
    overrun_month TEXT NOT NULL,
    report_sha256 TEXT,
    created_at INTEGER NOT NULL,
    created_by INTEGER REFERENCES people(id)
);
CREATE INDEX discount_entries_month ON discount_entries(invoice_month, org_id);
CREATE INDEX discount_entries_org ON discount_entries(org_id, id);

-- A discount undone, with why; a discount is undone at most once.
CREATE TABLE discount_reversals (
    id INTEGER PRIMARY KEY,
    entry_id INTEGER NOT NULL UNIQUE REFERENCES discount_entries(id),
    org_id INTEGER NOT NULL REFERENCES organizations(id),
    reason TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by INTEGER NOT NULL REFERENCES people(id)
);

-- Entries are never edited or deleted: a mistake is undone by a reversal.
CREATE TRIGGER discount_entries_no_update BEFORE UPDATE ON discount_entries
BEGIN
    SELECT RAISE(ABORT, 'the discount ledger is append-only: entries are never updated');
END;
CREATE TRIGGER discount_entries_no_delete BEFORE DELETE ON discount_entries
BEGIN
    SELECT RAISE(ABORT, 'the discount ledger is append-only: entries are never deleted');
END;
CREATE TRIGGER discount_reversals_no_update BEFORE UPDATE ON discount_reversals
BEGIN
    SELECT RAISE(ABORT, 'the discount ledger is append-only: reversals are never updated');
END;
CREATE TRIGGER discount_reversals_no_delete BEFORE DELETE ON discount_reversals
BEGIN
    SELECT RAISE(ABORT, 'the discount ledger is append-only: reversals are never deleted');
END;

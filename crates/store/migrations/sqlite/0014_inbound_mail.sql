-- Incoming mail (issue #11, inbound half). Every message is stored first, raw, under its
-- SHA-256 (the same message twice is one row), and parsed and processed afterwards; its
-- outcome row is written in the same transaction as what it caused (a ticket, a comment, a
-- refusal mail in the outbox), so a message without an outcome row is pending: the next
-- ingest or `loket mail ingest --pending` finishes it, and it can never be filed twice
-- (the outcome's primary key is the message).
CREATE TABLE inbound_mails (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    raw BLOB NOT NULL,
    size INTEGER NOT NULL,
    source TEXT NOT NULL,
    received_at INTEGER,
    stored_at INTEGER NOT NULL
);

CREATE TABLE inbound_outcomes (
    mail_id INTEGER PRIMARY KEY REFERENCES inbound_mails(id),
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL,
    ticket_id INTEGER REFERENCES tickets(id),
    org_id INTEGER REFERENCES organizations(id),
    person_id INTEGER REFERENCES people(id),
    from_address TEXT,
    message_id TEXT,
    subject TEXT,
    clock_start INTEGER,
    answered INTEGER NOT NULL DEFAULT 0,
    processed_at INTEGER NOT NULL
);
CREATE INDEX inbound_outcomes_message_id ON inbound_outcomes(message_id);
CREATE INDEX inbound_outcomes_answers ON inbound_outcomes(from_address, processed_at);
CREATE INDEX inbound_outcomes_outcome ON inbound_outcomes(outcome, mail_id);

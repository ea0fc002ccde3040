-- Mail both ways (issue #11), the part outgoing and incoming mail share.
-- An outgoing mail may belong to a ticket and carry its own Message-ID (with angle brackets,
-- as sent), so that a reply by mail finds its ticket through In-Reply-To/References; a mail
-- may also carry an HTML alternative and extra headers (a JSON object of name → value).
-- Without a message_id the sender derives one from the row, as before.
ALTER TABLE mail_outbox ADD COLUMN message_id TEXT;
ALTER TABLE mail_outbox ADD COLUMN ticket_id INTEGER REFERENCES tickets(id);
ALTER TABLE mail_outbox ADD COLUMN body_html TEXT;
ALTER TABLE mail_outbox ADD COLUMN headers TEXT;
CREATE UNIQUE INDEX mail_outbox_message_id ON mail_outbox(message_id);
CREATE INDEX mail_outbox_ticket ON mail_outbox(ticket_id, id);

-- Addresses whose mail bounced (a VERP return path names the outbox mail), shown on the
-- person's page; a later successful delivery or a person's own correction clears it.
CREATE TABLE mail_address_status (
    address TEXT PRIMARY KEY,
    failing_since INTEGER,
    last_bounce_at INTEGER NOT NULL,
    bounces INTEGER NOT NULL DEFAULT 0,
    reason TEXT NOT NULL
);

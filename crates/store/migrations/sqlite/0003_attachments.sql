-- Files attached to a ticket, each with the comment event it came with (if any).
-- The bytes live in the row; listings never read them.

CREATE TABLE ticket_attachments (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    org_id INTEGER NOT NULL REFERENCES organizations(id),
    event_id INTEGER REFERENCES ticket_events(id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL,
    uploaded_by INTEGER NOT NULL REFERENCES people(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX ticket_attachments_ticket ON ticket_attachments(ticket_id, id);

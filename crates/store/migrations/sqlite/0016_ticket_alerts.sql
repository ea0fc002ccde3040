-- Mails that alert the service desk to a ticket at risk of missing a target (its deadline
-- within the at-risk window) or that missed one (SLA-RULES §10). The unique key (ticket, kind,
-- bound, deadline) makes each alert go once however many runs or instances try; a moved
-- deadline is a new alert.
CREATE TABLE ticket_alerts (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    org_id INTEGER NOT NULL REFERENCES organizations(id),
    kind TEXT NOT NULL CHECK (kind IN ('at_risk', 'missed')),
    bound INTEGER NOT NULL,
    deadline INTEGER NOT NULL,
    sent_at INTEGER NOT NULL,
    mails INTEGER NOT NULL,
    UNIQUE (ticket_id, kind, bound, deadline)
);
CREATE INDEX ticket_alerts_org ON ticket_alerts(org_id, sent_at);

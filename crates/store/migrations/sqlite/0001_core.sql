-- The service desk core: customers, agreements, people, sign-in, tickets and their history.
-- Instants are milliseconds since 1970 UTC; booleans are 0/1.

CREATE TABLE organizations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    org_id INTEGER REFERENCES organizations(id),
    password_hash TEXT,
    lang TEXT NOT NULL DEFAULT 'nl',
    active INTEGER NOT NULL DEFAULT 1,
    sessions_valid_after INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX people_org ON people(org_id, role);

CREATE TABLE agreements (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL,
    policy TEXT NOT NULL,
    effective_from INTEGER NOT NULL,
    document_ref TEXT,
    created_at INTEGER NOT NULL,
    created_by INTEGER REFERENCES people(id)
);
CREATE INDEX agreements_org ON agreements(org_id, effective_from);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_person ON sessions(person_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER
);
CREATE INDEX api_tokens_person ON api_tokens(person_id);

CREATE TABLE sign_in_attempts (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX sign_in_attempts_key ON sign_in_attempts(key, at);

CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id),
    agreement_id INTEGER NOT NULL REFERENCES agreements(id),
    kind TEXT NOT NULL,
    priority TEXT,
    status TEXT NOT NULL,
    channel TEXT NOT NULL,
    subject TEXT NOT NULL,
    reporter_id INTEGER NOT NULL REFERENCES people(id),
    assignee_id INTEGER REFERENCES people(id),
    received_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    clock_start INTEGER NOT NULL,
    next_deadline INTEGER,
    queue_at INTEGER,
    sla_outcome TEXT NOT NULL,
    paused INTEGER NOT NULL DEFAULT 0,
    event_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tickets_queue ON tickets(queue_at, id);
CREATE INDEX tickets_org ON tickets(org_id, id);
CREATE INDEX tickets_next_deadline ON tickets(next_deadline);
CREATE INDEX tickets_org_queue ON tickets(org_id, queue_at, id);

CREATE TABLE ticket_targets (
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    bound INTEGER NOT NULL,
    percent_bp INTEGER NOT NULL,
    within TEXT NOT NULL,
    deadline INTEGER,
    outcome TEXT NOT NULL,
    decided_at INTEGER,
    business_used INTEGER NOT NULL,
    budget INTEGER NOT NULL,
    PRIMARY KEY (ticket_id, bound)
);

CREATE TABLE ticket_events (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    at INTEGER NOT NULL,
    actor_id INTEGER REFERENCES people(id),
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    recorded_at INTEGER NOT NULL
);
CREATE INDEX ticket_events_ticket ON ticket_events(ticket_id, id);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor_id INTEGER REFERENCES people(id),
    org_id INTEGER REFERENCES organizations(id),
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_org ON audit_log(org_id, id);

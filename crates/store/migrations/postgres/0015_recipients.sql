-- Who gets which notification (issue #11, point 2; SLA-RULES §10): people copied on a ticket,
-- the service desk's followers of a ticket, each person's preferences (events turned off,
-- a daily digest instead of single mails, a customer administrator's colleagues' tickets),
-- the one-click unsubscribe tokens (RFC 8058) and the digest entries waiting for their day.

-- People of the ticket's customer copied on it (CC): they read its public events.
CREATE TABLE ticket_cc (
    ticket_id BIGINT NOT NULL REFERENCES tickets(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    PRIMARY KEY (ticket_id, person_id)
);
CREATE INDEX ticket_cc_person ON ticket_cc(person_id);

-- Service desk staff following a ticket: they get what its assignee gets.
CREATE TABLE ticket_followers (
    ticket_id BIGINT NOT NULL REFERENCES tickets(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    PRIMARY KEY (ticket_id, person_id)
);
CREATE INDEX ticket_followers_person ON ticket_followers(person_id);

-- A person's notification preferences; no row means the defaults (every event on, each mail
-- at once, colleagues' tickets off). off_events is a comma-separated list of event names.
CREATE TABLE notification_prefs (
    person_id BIGINT PRIMARY KEY REFERENCES people(id),
    off_events TEXT NOT NULL DEFAULT '',
    digest BIGINT NOT NULL DEFAULT 0,
    colleagues BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
);

-- One unguessable token per person and optional event, named in List-Unsubscribe.
CREATE TABLE unsubscribe_tokens (
    token TEXT PRIMARY KEY,
    person_id BIGINT NOT NULL REFERENCES people(id),
    event TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (person_id, event)
);

-- Notifications of people who chose a daily digest, stored with their event; digest_day
-- (the local date, YYYY-MM-DD) is set when the digest that carried them was queued.
CREATE TABLE digest_entries (
    id BIGSERIAL PRIMARY KEY,
    person_id BIGINT NOT NULL REFERENCES people(id),
    ticket_id BIGINT NOT NULL REFERENCES tickets(id),
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    digest_day TEXT
);
CREATE INDEX digest_entries_pending ON digest_entries(person_id, digest_day, id);

-- One digest per person and local day, whichever instance gets there first.
CREATE TABLE digest_runs (
    person_id BIGINT NOT NULL REFERENCES people(id),
    day TEXT NOT NULL,
    entries BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (person_id, day)
);

-- Meetings with a customer (SLA §5.1, SLA-RULES §7): strategic, tactical and interim incident
-- meetings, who attends from either side, the minutes and decisions, the action items agreed
-- and tracked to the end, and a recurring schedule per customer and kind. Mail may carry one
-- text attachment (the iCalendar invitation).

-- kind: strategic | tactical | interim; status: planned | held | cancelled. starts_at is UTC ms;
-- decisions is a JSON array of texts. sequence counts the changes calendars must see (RFC 5545
-- SEQUENCE). schedule_kind is set on a meeting planned from the schedule of that kind.
CREATE TABLE meetings (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    duration_minutes INTEGER NOT NULL,
    location TEXT NOT NULL,
    online_url TEXT NOT NULL,
    status TEXT NOT NULL,
    minutes TEXT NOT NULL,
    decisions TEXT NOT NULL,
    sequence INTEGER NOT NULL DEFAULT 0,
    from_schedule INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    created_by INTEGER REFERENCES people(id),
    updated_at INTEGER NOT NULL,
    updated_by INTEGER REFERENCES people(id)
);
CREATE INDEX meetings_org ON meetings(org_id, starts_at, id);

-- Who is invited and who attended, from either side (side: vendor | customer). person_id is
-- set when the attendee has an account; present is NULL until the minutes say.
CREATE TABLE meeting_attendees (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings(id),
    org_id INTEGER NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL,
    email TEXT,
    side TEXT NOT NULL,
    role TEXT NOT NULL,
    person_id INTEGER REFERENCES people(id),
    present INTEGER
);
CREATE INDEX meeting_attendees_meeting ON meeting_attendees(meeting_id, id);

-- What was agreed, who does it and by when (due_on: a civil date, YYYY-MM-DD), done when and by whom.
CREATE TABLE action_items (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings(id),
    org_id INTEGER NOT NULL REFERENCES organizations(id),
    what TEXT NOT NULL,
    owner_name TEXT NOT NULL,
    owner_person_id INTEGER REFERENCES people(id),
    due_on TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by INTEGER REFERENCES people(id),
    done_at INTEGER,
    done_by INTEGER REFERENCES people(id),
    done_note TEXT
);
CREATE INDEX action_items_org ON action_items(org_id, done_at, due_on, id);
CREATE INDEX action_items_meeting ON action_items(meeting_id, id);

-- A recurring meeting: every every_months months from anchor_on (a civil date), the
-- occurrence-th one next, at local_time (HH:MM, in the agreement's time zone); next_meeting_id
-- is the meeting planned for it.
CREATE TABLE meeting_schedules (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id),
    kind TEXT NOT NULL,
    every_months INTEGER NOT NULL,
    anchor_on TEXT NOT NULL,
    occurrence INTEGER NOT NULL,
    local_time TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL,
    location TEXT NOT NULL,
    online_url TEXT NOT NULL,
    next_on TEXT NOT NULL,
    next_meeting_id INTEGER REFERENCES meetings(id),
    updated_at INTEGER NOT NULL,
    updated_by INTEGER REFERENCES people(id),
    UNIQUE (org_id, kind)
);

-- One optional text attachment per mail (e.g. invite.ics, text/calendar; method=REQUEST).
ALTER TABLE mail_outbox ADD COLUMN attachment_name TEXT;
ALTER TABLE mail_outbox ADD COLUMN attachment_type TEXT;
ALTER TABLE mail_outbox ADD COLUMN attachment_body TEXT;

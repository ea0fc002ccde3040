-- A consultation or follow-up of an escalation is recorded against an interim incident meeting
-- (SLA §5.1, §6.2); reminders before follow-ups and due action items are sent once each.

-- The interim meeting a consultation or follow-up step was recorded against. A meeting is the
-- record of at most one step.
ALTER TABLE escalation_steps ADD COLUMN meeting_id INTEGER REFERENCES meetings(id);
CREATE UNIQUE INDEX escalation_steps_meeting ON escalation_steps(meeting_id)
    WHERE meeting_id IS NOT NULL;

-- A reminder sent: kind follow_up (subject_id: the escalation) or action_item (subject_id: the
-- action item), for the date it was due on (YYYY-MM-DD). The unique key makes a reminder go
-- once however many runs there are; a new due date is a new reminder.
CREATE TABLE reminders (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id),
    kind TEXT NOT NULL,
    subject_id INTEGER NOT NULL,
    due_on TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    mails INTEGER NOT NULL,
    UNIQUE (kind, subject_id, due_on)
);
CREATE INDEX reminders_org ON reminders(org_id, sent_at);

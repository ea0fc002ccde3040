-- Notifications for ticket events (issue #11, outgoing half). The service desk's on-duty list:
-- vendor staff marked on duty by an administrator get the mail of a new, unassigned ticket.
ALTER TABLE people ADD COLUMN on_duty INTEGER NOT NULL DEFAULT 0;

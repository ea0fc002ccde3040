-- Monthly reports count the targets decided in a month: find them by the decision instant.

CREATE INDEX ticket_targets_decided ON ticket_targets(decided_at);

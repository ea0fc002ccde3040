-- The last heartbeat of each push monitor, kept in the database so that a push received by any
-- instance is seen by the one that holds the probe lease.
ALTER TABLE monitors ADD COLUMN last_push_at INTEGER;

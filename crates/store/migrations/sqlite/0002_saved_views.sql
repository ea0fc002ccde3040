-- Saved views of the agent queue: a person's filter query under a name they chose.

CREATE TABLE saved_views (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX saved_views_person_name ON saved_views(person_id, name);

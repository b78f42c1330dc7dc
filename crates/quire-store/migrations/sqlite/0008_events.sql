-- The live event stream: one row per change a subscriber may want to hear of, written in the
-- same transaction as the change. Ids come from the database, so every instance sees one
-- order; a reconnecting client resumes after the last id it saw. Old rows are pruned.
-- AUTOINCREMENT: an id is never reused, even after the newest rows were pruned.
CREATE TABLE events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    audience   TEXT NOT NULL CHECK (audience IN ('members', 'editors')),
    scope      TEXT,
    data       TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL
);
CREATE INDEX events_project ON events(project_id, id);
-- Pruning by age.
CREATE INDEX events_created ON events(created_at);

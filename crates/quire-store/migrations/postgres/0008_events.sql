-- The live event stream: one row per change a subscriber may want to hear of, written in the
-- same transaction as the change. Ids come from the database, so every instance sees one
-- order; a reconnecting client resumes after the last id it saw. Old rows are pruned.
-- A writer takes a per-project advisory lock before inserting (see quire-store's events.rs),
-- so one project's ids commit in id order.
CREATE TABLE events (
    id         BIGSERIAL PRIMARY KEY,
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

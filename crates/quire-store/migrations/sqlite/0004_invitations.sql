-- Invitations to join a project. The link's token is a bearer secret: only its SHA-256 is
-- kept. An invitation is pending until it is accepted, revoked or past `expires_at`.
CREATE TABLE invitations (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    email       TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    token_hash  TEXT NOT NULL UNIQUE,
    invited_by  TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    accepted_at BIGINT,
    accepted_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    revoked_at  BIGINT
);
CREATE INDEX invitations_project ON invitations(project_id, created_at);

-- The account view of the audit log reads entries by who acted and by whom they concern.
CREATE INDEX audit_log_actor ON audit_log(actor_id, id);
CREATE INDEX audit_log_target ON audit_log(target, id);

-- Embedded inboxes: a token that opens the project's inbox inside another site's page, for
-- the whole project or one WhatsApp number. The server keeps the token's SHA-256 only.
-- allowed_origins is a JSON array of origins (`https://app.example.com`, `https://*.example.com`)
-- that may frame it. Revoked embeds stay listed (and audited), and stop working at once.
CREATE TABLE inbox_embeds (
    id              TEXT PRIMARY KEY,
    project_id      TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    token_hash      TEXT NOT NULL UNIQUE,
    token_hint      TEXT NOT NULL,
    -- NULL: every number of the project
    phone_number_id TEXT,
    allowed_origins TEXT NOT NULL,
    theme           TEXT NOT NULL CHECK (theme IN ('light', 'dark', 'system')),
    expires_at      BIGINT,
    created_by      TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    revoked_at      BIGINT,
    last_used_at    BIGINT
);
CREATE INDEX inbox_embeds_project ON inbox_embeds(project_id, created_at);

-- Page assets: a project's images, fonts and data files, which its pages import by name.
-- The bytes are kept once per SHA-256 (`asset_contents`, served content-addressed on the
-- usercontent origin); `assets` maps each of a project's names to its current content; and
-- `page_version_assets` records the contents a version was built with, so a published page
-- keeps them after its name gets new content or is deleted, and a rollback brings them back.
-- A content is deleted once no asset and no version refers to it.
CREATE TABLE asset_contents (
    sha256       TEXT PRIMARY KEY,
    bytes        BYTEA NOT NULL,
    size         BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);

CREATE TABLE assets (
    id         TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    sha256     TEXT NOT NULL REFERENCES asset_contents(sha256),
    created_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (project_id, name)
);
CREATE INDEX assets_sha256 ON assets(sha256);

CREATE TABLE page_version_assets (
    version_id TEXT NOT NULL REFERENCES page_versions(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    sha256     TEXT NOT NULL REFERENCES asset_contents(sha256),
    PRIMARY KEY (version_id, name)
);
CREATE INDEX page_version_assets_sha256 ON page_version_assets(sha256);

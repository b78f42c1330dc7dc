-- Pages, their immutable versions and the content-addressed artifacts those versions built.
-- Times are Unix milliseconds; booleans are 0/1 (sqlx's Any driver reads SQLite integers only).
CREATE TABLE artifacts (
    sha256     TEXT PRIMARY KEY,
    html       TEXT NOT NULL,
    size       BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE pages (
    id                TEXT PRIMARY KEY,
    project_id        TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    slug              TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
    -- version numbers (page_versions.number) of this page; NULL until there is one
    head_version      BIGINT,
    published_version BIGINT,
    inbox_mount       BIGINT NOT NULL DEFAULT 0 CHECK (inbox_mount IN (0, 1)),
    -- NULL for unmounted pages, so the unique index below allows any number of them
    mount_point       TEXT CHECK (mount_point IN ('inbox_conversation_sidebar')),
    dependencies      TEXT NOT NULL DEFAULT '{}',
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    CONSTRAINT pages_project_slug UNIQUE (project_id, slug)
);
CREATE UNIQUE INDEX pages_project_mount_point ON pages(project_id, mount_point);

CREATE TABLE page_versions (
    id              TEXT PRIMARY KEY,
    page_id         TEXT NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    number          BIGINT NOT NULL,
    source          TEXT NOT NULL,
    dependencies    TEXT NOT NULL DEFAULT '{}',
    author_id       TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at      BIGINT NOT NULL,
    build_ok        BIGINT NOT NULL CHECK (build_ok IN (0, 1)),
    diagnostics     TEXT NOT NULL DEFAULT '[]',
    artifact_sha256 TEXT REFERENCES artifacts(sha256),
    lock            TEXT,
    CONSTRAINT page_versions_page_number UNIQUE (page_id, number)
);

-- Versions are immutable: a save adds one, nothing rewrites one (only an author's account
-- deletion may clear author_id).
CREATE TRIGGER page_versions_immutable BEFORE UPDATE OF id, page_id, number, source, dependencies, created_at, build_ok, diagnostics, artifact_sha256, lock
ON page_versions
BEGIN SELECT RAISE(ABORT, 'page versions are immutable; save a new version instead'); END;

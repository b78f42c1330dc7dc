-- Public links: a token that shows one page's published version to people without an
-- account, at /s/<token>. The server keeps the token's SHA-256 only. `functions` is the JSON
-- array of the function slugs the page may call through the link; `allowed_origins` the sites
-- that may frame it (empty: only Quire itself). Revoked links stay listed, and stop at once.
CREATE TABLE public_links (
    id              TEXT PRIMARY KEY,
    project_id      TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    page_id         TEXT NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    token_hash      TEXT NOT NULL UNIQUE,
    token_hint      TEXT NOT NULL,
    functions       TEXT NOT NULL,
    allowed_origins TEXT NOT NULL,
    expires_at      BIGINT,
    created_by      TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at      BIGINT NOT NULL,
    revoked_at      BIGINT,
    last_used_at    BIGINT
);
CREATE INDEX public_links_page ON public_links(page_id, created_at);

-- The public link a call came through, if any.
ALTER TABLE function_invocations ADD COLUMN public_link_id TEXT;

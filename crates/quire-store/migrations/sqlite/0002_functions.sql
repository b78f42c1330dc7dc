-- Functions: code versions, deploy state, encrypted secrets, the project KV store and the
-- invocation log. Times are Unix milliseconds; booleans are 0/1.
CREATE TABLE functions (
    id               TEXT PRIMARY KEY,
    project_id       TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    slug             TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('draft', 'deployed', 'error')),
    head_version     BIGINT NOT NULL,
    deployed_version BIGINT,
    deploy_error     TEXT,
    public_endpoint  BIGINT NOT NULL DEFAULT 0,
    timeout_ms       BIGINT NOT NULL,
    memory_mb        BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    UNIQUE (project_id, slug)
);

CREATE TABLE function_versions (
    id          TEXT PRIMARY KEY,
    function_id TEXT NOT NULL REFERENCES functions(id) ON DELETE CASCADE,
    number      BIGINT NOT NULL,
    code        TEXT NOT NULL,
    author_id   TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL,
    load_error  TEXT,
    UNIQUE (function_id, number)
);

-- `sealed` is base64 of nonce || ChaCha20-Poly1305 ciphertext; the key never reaches the store.
CREATE TABLE function_secrets (
    function_id TEXT NOT NULL REFERENCES functions(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    sealed      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (function_id, name)
);

CREATE TABLE kv (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    expires_at BIGINT,
    PRIMARY KEY (project_id, key)
);
CREATE INDEX kv_expiry ON kv(expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE function_invocations (
    id             TEXT PRIMARY KEY,
    function_id    TEXT NOT NULL REFERENCES functions(id) ON DELETE CASCADE,
    version        BIGINT NOT NULL,
    via            TEXT NOT NULL,
    started_at     BIGINT NOT NULL,
    duration_ms    BIGINT NOT NULL,
    status         BIGINT,
    ok             BIGINT NOT NULL,
    error_code     TEXT,
    error          TEXT,
    error_stack    TEXT,
    logs           TEXT NOT NULL,
    logs_truncated BIGINT NOT NULL,
    request_bytes  BIGINT NOT NULL,
    response_bytes BIGINT NOT NULL
);
CREATE INDEX function_invocations_recent ON function_invocations(function_id, started_at, id);

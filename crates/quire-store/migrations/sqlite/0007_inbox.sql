-- The inbox: WhatsApp connections, conversations with one contact each, their messages, and
-- the full-text indexes the conversation search reads. Times are Unix milliseconds.

-- A WhatsApp number connected to a project. A delivery names its number by phone_number_id,
-- so one number belongs to one project on the whole server. The two secrets are sealed by the
-- server (base64 of nonce || ChaCha20-Poly1305 ciphertext); the verify token is shown to the
-- project's owners, who paste it into Meta's webhook setup.
CREATE TABLE whatsapp_connections (
    id                   TEXT PRIMARY KEY,
    project_id           TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name                 TEXT NOT NULL,
    phone_number_id      TEXT NOT NULL,
    display_phone_number TEXT,
    verify_token         TEXT NOT NULL,
    app_secret_sealed    TEXT NOT NULL,
    access_token_sealed  TEXT,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    last_delivery_at     BIGINT,
    CONSTRAINT whatsapp_connections_phone_number_id UNIQUE (phone_number_id)
);
CREATE INDEX whatsapp_connections_project ON whatsapp_connections(project_id);

-- One conversation per contact and number. contact_key is the contact's wa_id when WhatsApp
-- gave it, else the business-scoped user id. `seq` is an explicit INTEGER PRIMARY KEY so the
-- full-text index's rowids survive VACUUM (which `quire backup` runs); `id` is the public key.
CREATE TABLE conversations (
    seq                      INTEGER PRIMARY KEY,
    id                       TEXT NOT NULL UNIQUE,
    project_id               TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    -- NULL once its connection is deleted; the next delivery to the number sets it again
    whatsapp_config_id       TEXT REFERENCES whatsapp_connections(id) ON DELETE SET NULL,
    whatsapp_phone_number_id TEXT NOT NULL,
    contact_key              TEXT NOT NULL,
    phone_number             TEXT,
    business_user_id         TEXT,
    username                 TEXT,
    contact_name             TEXT,
    metadata                 TEXT NOT NULL DEFAULT '{}',
    last_message_at          BIGINT NOT NULL,
    last_message_preview     TEXT NOT NULL DEFAULT '',
    last_message_direction   TEXT CHECK (last_message_direction IN ('inbound', 'outbound')),
    unread_count             BIGINT NOT NULL DEFAULT 0,
    created_at               BIGINT NOT NULL,
    -- name, username, business user id and every suffix of the phone number, so a prefix
    -- query finds any part of the number
    search_terms             TEXT NOT NULL DEFAULT '',
    CONSTRAINT conversations_contact UNIQUE (project_id, whatsapp_phone_number_id, contact_key)
);
-- The inbox list: newest activity first, paged by (last_message_at, id).
CREATE INDEX conversations_recent ON conversations(project_id, last_message_at, id);
CREATE INDEX conversations_unread ON conversations(project_id, last_message_at, id) WHERE unread_count > 0;
CREATE INDEX conversations_connection ON conversations(whatsapp_config_id, last_message_at, id);
CREATE INDEX conversations_business_user ON conversations(project_id, whatsapp_phone_number_id, business_user_id)
    WHERE business_user_id IS NOT NULL;

-- wamid is WhatsApp's message id: unique in a project (a redelivery is stored once), NULL
-- only while an outgoing message is on its way to the Cloud API.
CREATE TABLE messages (
    seq             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    project_id      TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    wamid           TEXT,
    direction       TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    type            TEXT NOT NULL,
    body            TEXT,
    data            TEXT NOT NULL DEFAULT '{}',
    status          TEXT NOT NULL CHECK (status IN ('received', 'pending', 'sent', 'delivered', 'read', 'failed')),
    error           TEXT,
    sent_by         TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at      BIGINT NOT NULL,
    status_at       BIGINT NOT NULL,
    CONSTRAINT messages_wamid UNIQUE (project_id, wamid)
);
CREATE INDEX messages_thread ON messages(conversation_id, created_at, id);

-- Full-text indexes over the tables above (external content: the text is stored once), kept
-- current by triggers.
CREATE VIRTUAL TABLE conversations_search USING fts5(
    search_terms, content = 'conversations', content_rowid = 'seq',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER conversations_search_insert AFTER INSERT ON conversations BEGIN
    INSERT INTO conversations_search(rowid, search_terms) VALUES (new.seq, new.search_terms);
END;
CREATE TRIGGER conversations_search_delete AFTER DELETE ON conversations BEGIN
    INSERT INTO conversations_search(conversations_search, rowid, search_terms)
        VALUES ('delete', old.seq, old.search_terms);
END;
CREATE TRIGGER conversations_search_update AFTER UPDATE OF search_terms ON conversations BEGIN
    INSERT INTO conversations_search(conversations_search, rowid, search_terms)
        VALUES ('delete', old.seq, old.search_terms);
    INSERT INTO conversations_search(rowid, search_terms) VALUES (new.seq, new.search_terms);
END;

CREATE VIRTUAL TABLE messages_search USING fts5(
    body, content = 'messages', content_rowid = 'seq',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_search_insert AFTER INSERT ON messages WHEN new.body IS NOT NULL BEGIN
    INSERT INTO messages_search(rowid, body) VALUES (new.seq, new.body);
END;
CREATE TRIGGER messages_search_delete AFTER DELETE ON messages WHEN old.body IS NOT NULL BEGIN
    INSERT INTO messages_search(messages_search, rowid, body) VALUES ('delete', old.seq, old.body);
END;
CREATE TRIGGER messages_search_update AFTER UPDATE OF body ON messages BEGIN
    INSERT INTO messages_search(messages_search, rowid, body)
        SELECT 'delete', old.seq, old.body WHERE old.body IS NOT NULL;
    INSERT INTO messages_search(rowid, body) SELECT new.seq, new.body WHERE new.body IS NOT NULL;
END;

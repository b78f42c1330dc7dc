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
-- gave it, else the business-scoped user id. Ids are compared byte by byte ("C"), as on
-- SQLite, so pages list in the same order on both backends.
CREATE TABLE conversations (
    id                       TEXT COLLATE "C" PRIMARY KEY,
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
    search_vector            tsvector GENERATED ALWAYS AS (to_tsvector('simple', search_terms)) STORED,
    CONSTRAINT conversations_contact UNIQUE (project_id, whatsapp_phone_number_id, contact_key)
);
-- The inbox list: newest activity first, paged by (last_message_at, id).
CREATE INDEX conversations_recent ON conversations(project_id, last_message_at, id);
CREATE INDEX conversations_unread ON conversations(project_id, last_message_at, id) WHERE unread_count > 0;
CREATE INDEX conversations_connection ON conversations(whatsapp_config_id, last_message_at, id);
CREATE INDEX conversations_business_user ON conversations(project_id, whatsapp_phone_number_id, business_user_id)
    WHERE business_user_id IS NOT NULL;
CREATE INDEX conversations_search ON conversations USING GIN (search_vector);

-- wamid is WhatsApp's message id: unique in a project (a redelivery is stored once), NULL
-- only while an outgoing message is on its way to the Cloud API.
CREATE TABLE messages (
    id              TEXT COLLATE "C" PRIMARY KEY,
    project_id      TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    conversation_id TEXT COLLATE "C" NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
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
    search_vector   tsvector GENERATED ALWAYS AS (to_tsvector('simple', coalesce(body, ''))) STORED,
    CONSTRAINT messages_wamid UNIQUE (project_id, wamid)
);
CREATE INDEX messages_thread ON messages(conversation_id, created_at, id);
CREATE INDEX messages_search ON messages USING GIN (search_vector);

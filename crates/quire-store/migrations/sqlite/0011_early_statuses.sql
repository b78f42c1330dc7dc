-- Statuses that came before their message's wamid was stored. A reply is stored pending, then
-- sent; Meta may deliver its first statuses before the Cloud API's answer (the wamid) is
-- written. Such a status is held here while a reply of its project is pending, and applied
-- when a reply's wamid is stored (see quire-store's early_statuses.rs). Held statuses whose
-- wamid never comes (messages sent by other tools) are pruned after a few minutes.
CREATE TABLE early_statuses (
    project_id  TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    wamid       TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('sent', 'delivered', 'read', 'failed')),
    status_at   BIGINT NOT NULL,
    error       TEXT,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (project_id, wamid, status)
);
-- Pruning by age.
CREATE INDEX early_statuses_received ON early_statuses(received_at);
-- Whether a project has a reply on its way (a status is held only then).
CREATE INDEX messages_pending ON messages(project_id) WHERE status = 'pending';

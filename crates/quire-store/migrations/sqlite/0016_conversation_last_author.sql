-- Who wrote a conversation's last message when it is a reply, as the message keeps it: the
-- member (sent_by) or the embedded inbox by its name (sent_via), so the list can say "You",
-- a teammate's name or the embed's. NULL for an inbound last message and for Quire's own.
ALTER TABLE conversations ADD COLUMN last_message_sent_by TEXT REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE conversations ADD COLUMN last_message_sent_via TEXT;

-- Conversations whose last message is a reply take its author.
UPDATE conversations SET
    last_message_sent_by = (SELECT m.sent_by FROM messages m WHERE m.conversation_id = conversations.id
        ORDER BY m.created_at DESC, m.id DESC LIMIT 1),
    last_message_sent_via = (SELECT m.sent_via FROM messages m WHERE m.conversation_id = conversations.id
        ORDER BY m.created_at DESC, m.id DESC LIMIT 1)
WHERE last_message_direction = 'outbound';

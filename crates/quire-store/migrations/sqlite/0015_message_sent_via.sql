-- An outbound message written in an embedded inbox, where no member sends it: the embed's name
-- as it was then, so the thread can say who wrote it. NULL for the rest.
ALTER TABLE messages ADD COLUMN sent_via TEXT;
